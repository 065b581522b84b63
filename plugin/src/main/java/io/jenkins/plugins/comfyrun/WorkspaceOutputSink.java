package io.jenkins.plugins.comfyrun;

import hudson.FilePath;
import io.comfyrun.client.files.OutputSink;
import io.comfyrun.client.files.SafeNames;
import io.comfyrun.client.files.UnsafeNameException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;

/**
 * Writes downloaded outputs into the build's workspace through {@link FilePath}, so they land on the agent that
 * owns the workspace (never on the controller's disk at that path). Each file is streamed to a hidden
 * {@code .name.<random>.part} sibling and renamed into place only when complete. The engine has already checked
 * the relative path with {@code SafeNames}; this class checks once more that it stays inside the output directory.
 */
final class WorkspaceOutputSink implements OutputSink {
    private final FilePath workspace;
    private final String outputDir;

    /**
     * @param workspace the workspace root
     * @param outputDir directory relative to the workspace (already validated by {@link #checkOutputDir})
     */
    WorkspaceOutputSink(FilePath workspace, String outputDir) {
        this.workspace = workspace;
        this.outputDir = outputDir;
    }

    /** Workspace-relative path of an output, as reported in the result map and used for archived thumbnails. */
    String workspacePath(String relativePath) {
        return outputDir.isEmpty() ? relativePath : outputDir + "/" + relativePath;
    }

    @Override
    public PendingFile open(String relativePath) throws IOException {
        String path = workspacePath(relativePath);
        try {
            // node {} allocates the workspace without creating it, and FilePath.isDescendant answers false for a
            // directory that does not exist: create it first (a no-op when it exists)
            workspace.mkdirs();
            // lexical check first: FilePath.isDescendant answers true for "missing/../../x" (it stops at the first
            // segment that does not exist), so ".." and absolute paths are refused here; isDescendant adds symlinks
            if (checkOutputDir(path) != null || !workspace.isDescendant(path)) {
                throw new IOException("refusing to write output '" + path + "': it would leave the workspace");
            }
            FilePath target = workspace.child(path);
            FilePath part = target.getParent().child("." + target.getName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".part");
            OutputStream out = part.write();
            return new Pending(target, part, out, path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + path, e);
        }
    }

    /**
     * Null when fine; otherwise what is wrong with a user-given workspace-relative path (the engine's
     * {@link SafeNames#relativeDirectory} rules, phrased for a {@code FormValidation} or an {@code AbortException}).
     */
    static String checkOutputDir(String outputDir) {
        try {
            SafeNames.relativeDirectory(outputDir, "outputDir", "the workspace");
            return null;
        } catch (UnsafeNameException e) {
            return e.getMessage();
        }
    }

    private static final class Pending implements PendingFile {
        private final FilePath target;
        private final FilePath part;
        private final OutputStream out;
        private final String path;
        private boolean finished;

        Pending(FilePath target, FilePath part, OutputStream out, String path) {
            this.target = target;
            this.part = part;
            this.out = out;
            this.path = path;
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public String commit() throws IOException {
            finished = true;
            out.close();
            try {
                // FilePath.renameTo does not replace: an output of an earlier run with the same name is replaced here.
                target.delete();
                part.renameTo(target);
                return path;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throw new IOException("interrupted while saving " + path, e);
            } catch (IOException e) {
                abort();
                throw e;
            }
        }

        @Override
        public void abort() {
            finished = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // the part file is deleted below either way
            }
            try {
                part.delete();
            } catch (IOException | InterruptedException ignored) {
                // best effort: a stray .part file is hidden and never reported as an output
            }
        }

        @Override
        public void close() {
            if (!finished) {
                abort();
            }
        }
    }
}
