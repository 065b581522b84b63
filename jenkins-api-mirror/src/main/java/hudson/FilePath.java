package hudson;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Mirror of jenkins-core {@code hudson.FilePath}, restricted to the members the plugin uses. Implemented for a
 * LOCAL directory only (no remoting channel), with the real semantics the plugin relies on: {@link #write()}
 * creates parent directories, {@link #copyFrom(InputStream)} does not close the input, {@link #renameTo}
 * does not replace an existing target, {@link #child} accepts anything (callers must sanitize).
 */
public final class FilePath implements Serializable {
    private final String remote;

    public FilePath(File localPath) {
        this.remote = localPath.getPath();
    }

    public FilePath(FilePath base, String rel) {
        this.remote = base.file().toPath().resolve(rel).toString();
    }

    private File file() {
        return new File(remote);
    }

    public String getRemote() {
        return remote;
    }

    public String getName() {
        return file().getName();
    }

    public FilePath getParent() {
        File p = file().getParentFile();
        return p == null ? null : new FilePath(p);
    }

    public FilePath child(String relOrAbsolute) {
        return new FilePath(this, relOrAbsolute);
    }

    public boolean isRemote() {
        return false;
    }

    public void mkdirs() throws IOException, InterruptedException {
        Files.createDirectories(file().toPath());
    }

    public boolean exists() throws IOException, InterruptedException {
        return file().exists();
    }

    public boolean isDirectory() throws IOException, InterruptedException {
        return file().isDirectory();
    }

    public boolean delete() throws IOException, InterruptedException {
        return Files.deleteIfExists(file().toPath());
    }

    public void deleteRecursive() throws IOException, InterruptedException {
        if (!file().exists()) {
            return;
        }
        try (Stream<Path> s = Files.walk(file().toPath())) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public long length() throws IOException, InterruptedException {
        return file().length();
    }

    public OutputStream write() throws IOException, InterruptedException {
        File f = file().getAbsoluteFile();
        Files.createDirectories(f.getParentFile().toPath());
        return Files.newOutputStream(f.toPath());
    }

    public void write(String content, String encoding) throws IOException, InterruptedException {
        try (OutputStream os = write()) {
            os.write(content.getBytes(encoding == null ? Charset.defaultCharset() : Charset.forName(encoding)));
        }
    }

    public void copyFrom(InputStream in) throws IOException, InterruptedException {
        try (OutputStream os = write()) {
            in.transferTo(os);
        }
    }

    public InputStream read() throws IOException, InterruptedException {
        return Files.newInputStream(file().toPath());
    }

    public String readToString() throws IOException, InterruptedException {
        return Files.readString(file().toPath(), Charset.defaultCharset());
    }

    public void renameTo(FilePath target) throws IOException, InterruptedException {
        Files.move(file().toPath(), target.file().toPath(), LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether {@code potentialChildRelativePath} stays inside this directory (symlinks resolved where they exist). */
    public boolean isDescendant(String potentialChildRelativePath) throws IOException, InterruptedException {
        if (new File(potentialChildRelativePath).isAbsolute()) {
            throw new IllegalArgumentException("Only a relative path is supported, the given path is absolute: " + potentialChildRelativePath);
        }
        Path base = file().toPath().toAbsolutePath().normalize();
        Path candidate = base.resolve(potentialChildRelativePath).normalize();
        if (!candidate.startsWith(base)) {
            return false;
        }
        Path existing = candidate;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        return existing == null || !Files.exists(base) || existing.toRealPath().startsWith(base.toRealPath());
    }

    @Override
    public String toString() {
        return remote;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FilePath other && other.remote.equals(remote);
    }

    @Override
    public int hashCode() {
        return remote.hashCode();
    }

    private static final long serialVersionUID = 1L;
}
