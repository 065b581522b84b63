package io.comfyrun.client.files;

/**
 * A file or subfolder name from the server (or a user) that would escape the output directory or that no
 * file system should be given: absolute, with {@code ..}, NUL, control characters or backslashes.
 */
public final class UnsafeNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsafeNameException(String message) {
        super(message);
    }
}
