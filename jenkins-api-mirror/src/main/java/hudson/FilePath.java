package hudson;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mirror of jenkins-core {@code hudson.FilePath}, restricted to the members the plugin uses, for a LOCAL path (the
 * real class's {@code channel == null} case: on the controller's own disk). Each body reproduces what the real
 * method does for such a path (read in jenkins-core 2.479.3); nothing here is looser than the real one. Notably:
 * {@link #isDescendant} answers false while the directory does not exist (a workspace that {@code node {}} has
 * allocated but nobody has created yet), and {@link #renameTo} never replaces an existing target.
 */
public final class FilePath implements Serializable {
    private final String remote;

    public FilePath(File localPath) {
        // real FilePath(File): channel null, remote = normalize(localPath.getPath())
        this.remote = normalize(localPath.getPath());
    }

    public FilePath(FilePath base, String rel) {
        // real FilePath(FilePath, String): an absolute rel as is, else base + '/' + rel (Unix), then normalized
        this.remote = normalize(new File(rel).isAbsolute() ? rel : base.remote + '/' + rel.replace('\\', '/'));
    }

    /**
     * Real {@code FilePath.normalize}: drops "." segments and duplicate or trailing separators, collapses
     * "segment/..", keeps a leading ".." of a relative path and drops one of an absolute path.
     */
    private static String normalize(String path) {
        boolean absolute = path.startsWith("/") || path.startsWith("\\");
        List<String> out = new ArrayList<>();
        int leadingUps = 0;
        for (String segment : path.split("[/\\\\]+")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                } else if (!absolute) {
                    leadingUps++;
                }
                continue;
            }
            out.add(segment);
        }
        StringBuilder b = new StringBuilder(absolute ? "/" : "");
        for (int i = 0; i < leadingUps; i++) {
            b.append(i == 0 ? "" : "/").append("..");
        }
        for (String segment : out) {
            if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                b.append('/');
            }
            b.append(segment);
        }
        return b.length() == 0 ? (absolute ? "/" : "") : b.toString();
    }

    private File file() {
        return new File(remote);
    }

    public String getRemote() {
        // real getRemote: the normalized path string
        return remote;
    }

    public String getName() {
        // real getName: the text after the last '/' or '\', ignoring one trailing separator
        String r = remote.endsWith("/") || remote.endsWith("\\") ? remote.substring(0, remote.length() - 1) : remote;
        return r.substring(Math.max(r.lastIndexOf('/'), r.lastIndexOf('\\')) + 1);
    }

    public FilePath getParent() {
        // real getParent: the path up to the last separator (kept), or null when there is none
        int i = Math.max(remote.lastIndexOf('/', remote.length() - 2), remote.lastIndexOf('\\', remote.length() - 2));
        return i < 0 ? null : new FilePath(new File(remote.substring(0, i + 1)));
    }

    public FilePath child(String relOrAbsolute) {
        // real child: new FilePath(this, relOrAbsolute); never checks where it points (callers must)
        return new FilePath(this, relOrAbsolute);
    }

    public void mkdirs() throws IOException, InterruptedException {
        // real mkdirs (Mkdirs callable): creates the directory and its parents; fine if it exists; IOException if not made
        File f = file();
        if (!f.mkdirs() && !f.exists()) {
            throw new IOException("Failed to mkdirs: " + remote);
        }
    }

    public boolean exists() throws IOException, InterruptedException {
        // real exists (Exists callable): File.exists()
        return file().exists();
    }

    public boolean delete() throws IOException, InterruptedException {
        // real delete (Util.deleteFile): removes the file if there is one (IOException if it stays), always true
        Files.deleteIfExists(file().toPath());
        return true;
    }

    public long length() throws IOException, InterruptedException {
        // real length (Length callable): File.length(), 0 for a missing file
        return file().length();
    }

    public OutputStream write() throws IOException, InterruptedException {
        // real write() with no channel: creates the parent directories, then opens (truncating) the file
        File f = file().getAbsoluteFile();
        Files.createDirectories(f.getParentFile().toPath());
        return Files.newOutputStream(f.toPath());
    }

    public InputStream read() throws IOException, InterruptedException {
        // real read() with no channel and no root to verify: opens the file (NoSuchFileException when missing)
        return Files.newInputStream(file().toPath());
    }

    public void renameTo(FilePath target) throws IOException, InterruptedException {
        // real renameTo (RenameTo callable): Files.move without REPLACE_EXISTING: fails when the target exists
        Files.move(file().toPath(), target.file().toPath(), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Real {@code isDescendant} (IsDescendant callable): IllegalArgumentException for an absolute path; FALSE when this
     * directory does not exist; then, segment by segment (a symlink replaced by its target), false as soon as an
     * existing one resolves outside this directory's real path, and at the first missing one the answer is whether
     * that lexically normalized path starts with this directory's path.
     */
    public boolean isDescendant(String potentialChildRelativePath) throws IOException, InterruptedException {
        if (new File(potentialChildRelativePath).isAbsolute()) {
            throw new IllegalArgumentException("Only a relative path is supported, the given path is absolute: " + potentialChildRelativePath);
        }
        Path base = file().getAbsoluteFile().toPath();
        Path baseReal;
        try {
            baseReal = base.toRealPath();
        } catch (NoSuchFileException e) {
            return false;
        }
        Path current = file().toPath();
        for (Path segment : Path.of(potentialChildRelativePath)) {
            if (segment.toString().isEmpty()) {
                continue;
            }
            Path direct = current.resolve(segment.toString());
            current = Files.isSymbolicLink(direct) ? direct.resolveSibling(Files.readSymbolicLink(direct)) : direct;
            Path absolute = current.toAbsolutePath();
            try {
                if (!absolute.toRealPath().startsWith(baseReal)) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                return absolute.normalize().startsWith(base.normalize());
            } catch (FileSystemException e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        // real toString: the remote path
        return remote;
    }

    @Override
    public boolean equals(Object o) {
        // real equals: same channel (none here) and same remote path
        return o instanceof FilePath other && other.remote.equals(remote);
    }

    @Override
    public int hashCode() {
        // real hashCode: from the channel (none here) and the remote path
        return remote.hashCode();
    }

    private static final long serialVersionUID = 1L;
}
