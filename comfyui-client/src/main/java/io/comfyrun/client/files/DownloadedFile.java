package io.comfyrun.client.files;

import io.comfyrun.client.OutputRef;

/**
 * What happened to one output.
 *
 * @param output       the output as the server named it
 * @param relativePath where it was (or would have been) written under the sink, '/'-separated
 * @param location     the final location as the sink reports it ({@code null} if not written)
 * @param bytes        bytes written ({@code -1} if not written)
 * @param error        why it was not written, or {@code null} on success
 */
public record DownloadedFile(OutputRef output, String relativePath, String location, long bytes, String error) {

    public boolean ok() {
        return error == null;
    }
}
