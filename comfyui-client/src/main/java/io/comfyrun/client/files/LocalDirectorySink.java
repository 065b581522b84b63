package io.comfyrun.client.files;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/** An {@link OutputSink} writing into a directory of the local file system (the CLI's {@code --out}). */
public final class LocalDirectorySink implements OutputSink {

    private static final System.Logger LOG = System.getLogger(LocalDirectorySink.class.getName());

    private final Path root;

    public LocalDirectorySink(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public PendingFile open(String relativePath) throws IOException {
        // SafeNames already checked it; re-check here because this is the last line before the disk.
        Path target = root.resolve(relativePath).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
            throw new UnsafeNameException("output path '" + relativePath + "' leaves the output directory " + root);
        }
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".part");
        return new LocalPendingFile(temp, target, Files.newOutputStream(temp));
    }

    @Override
    public String toString() {
        return "LocalDirectorySink[" + root + "]";
    }

    private static final class LocalPendingFile implements PendingFile {
        private final Path temp;
        private final Path target;
        private final OutputStream out;
        private boolean done;

        LocalPendingFile(Path temp, Path target, OutputStream out) {
            this.temp = temp;
            this.target = target;
            this.out = out;
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public String commit() throws IOException {
            if (done) {
                throw new IllegalStateException("already committed or aborted: " + target);
            }
            try {
                out.close();
                try {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                done = true;
                return target.toString();
            } catch (IOException | RuntimeException e) {
                abort();
                throw e;
            }
        }

        @Override
        public void abort() {
            if (done) {
                return;
            }
            done = true;
            try {
                out.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing " + temp, e);
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "could not delete partial download " + temp + ": " + e);
            }
        }

        @Override
        public void close() {
            abort();
        }
    }
}
