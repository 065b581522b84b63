package io.comfyrun.client.files;

import io.comfyrun.client.ComfyHttpApi;
import io.comfyrun.client.UploadedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Uploads input images through {@code POST /upload/image} (for {@code LoadImage} in img2img workflows and
 * chains) and returns the name the server stored: ComfyUI keeps identical bytes under the same name and
 * renames a different file with a clashing name ({@code x (1).png}), so always use the returned name.
 *
 * <pre>{@code
 * UploadedFile up = InputUploader.upload(client.http(server), Path.of("photo.png"));
 * workflow = workflow.with(WorkflowOverrides.of(Map.of("LoadImage.image", up.inputValue())));
 * }</pre>
 */
public final class InputUploader {

    /** ComfyUI's default {@code --max-upload-size}. */
    public static final long DEFAULT_MAX_BYTES = 100L * 1024 * 1024;

    private InputUploader() {
    }

    /**
     * Uploads a local file into the server's input folder under its own (checked) file name, within
     * {@link ComfyHttpApi#DEFAULT_UPLOAD_TIMEOUT}.
     */
    public static UploadedFile upload(ComfyHttpApi api, Path file) throws IOException {
        return upload(api, file, ComfyHttpApi.DEFAULT_UPLOAD_TIMEOUT);
    }

    /** {@link #upload(ComfyHttpApi, Path)} with the whole call bounded by {@code timeout}. */
    public static UploadedFile upload(ComfyHttpApi api, Path file, java.time.Duration timeout) throws IOException {
        String name = SafeNames.segment(file.getFileName().toString(), "upload file name");
        if (!Files.isRegularFile(file)) {
            throw new IOException("cannot upload " + file + ": not a readable file");
        }
        long size = Files.size(file);
        if (size > DEFAULT_MAX_BYTES) {
            throw new IOException("cannot upload " + file + ": " + size + " bytes is above ComfyUI's default upload limit of "
                    + DEFAULT_MAX_BYTES + " bytes (--max-upload-size)");
        }
        return api.uploadImage(name, file, "", "input", false, timeout);
    }

    /** Uploads bytes (e.g. an output of a previous chain step) into the server's input folder. */
    public static UploadedFile upload(ComfyHttpApi api, String name, byte[] data) throws IOException {
        return upload(api, name, data, ComfyHttpApi.DEFAULT_UPLOAD_TIMEOUT);
    }

    /** {@link #upload(ComfyHttpApi, String, byte[])} with the whole call bounded by {@code timeout}. */
    public static UploadedFile upload(ComfyHttpApi api, String name, byte[] data, java.time.Duration timeout)
            throws IOException {
        SafeNames.segment(name, "upload file name");
        if (data.length > DEFAULT_MAX_BYTES) {
            throw new IOException("cannot upload " + name + ": " + data.length + " bytes is above ComfyUI's default upload limit of "
                    + DEFAULT_MAX_BYTES + " bytes (--max-upload-size)");
        }
        return api.uploadImage(name, data, "", "input", false, timeout);
    }
}
