package io.comfyrun.fake.testcontainers;

/**
 * The fake-comfyui image could not be built locally: the jar is missing, the running Java has no
 * {@code jlink}, a host tool failed, or the Docker engine refused the build. The message says which,
 * and what to do about it.
 */
public class FakeComfyUIImageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public FakeComfyUIImageException(String message) {
        super(message);
    }

    public FakeComfyUIImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
