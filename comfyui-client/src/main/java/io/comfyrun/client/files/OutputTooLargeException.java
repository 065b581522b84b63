package io.comfyrun.client.files;

import java.io.IOException;

/** An output larger than the configured cap; nothing of it is kept. */
public final class OutputTooLargeException extends IOException {
    private static final long serialVersionUID = 1L;

    public OutputTooLargeException(String message) {
        super(message);
    }
}
