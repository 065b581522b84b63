package io.comfyrun.fake.testcontainers;

/**
 * This machine's Docker set-up cannot run the container with the current settings; the message names each setting to
 * change, its value and why.
 */
public class FakeComfyUIEnvironmentException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public FakeComfyUIEnvironmentException(String message) {
        super(message);
    }
}
