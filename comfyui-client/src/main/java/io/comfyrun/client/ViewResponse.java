package io.comfyrun.client;

import java.io.Closeable;
import java.io.InputStream;

/**
 * A streamed {@code GET /view} body. Close it (try-with-resources) to release the connection.
 *
 * @param body          the file bytes, streamed
 * @param contentLength length announced by the server, or -1
 * @param contentType   the MIME type, or {@code null}
 */
public record ViewResponse(InputStream body, long contentLength, String contentType, Closeable onClose)
        implements Closeable {

    @Override
    public void close() throws java.io.IOException {
        try {
            body.close();
        } finally {
            onClose.close();
        }
    }
}
