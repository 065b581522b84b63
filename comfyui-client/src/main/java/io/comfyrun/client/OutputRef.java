package io.comfyrun.client;

import java.util.Objects;

/**
 * A file a node produced, as ComfyUI names it in {@code executed.output} and {@code /history}; fetch it with
 * {@code GET /view?filename=&subfolder=&type=}. Previews are never outputs.
 *
 * @param nodeId    the output node
 * @param filename  file name as given by the server (not yet sanitized for local use)
 * @param subfolder sub-folder under the type's directory, {@code ""} for none
 * @param type      {@code output}, {@code temp} or {@code input}
 * @param kind      the key it was listed under: {@code images}, {@code gifs}, {@code audio}, {@code video}...
 */
public record OutputRef(String nodeId, String filename, String subfolder, String type, String kind) {

    public OutputRef {
        Objects.requireNonNull(filename, "filename");
        subfolder = subfolder == null ? "" : subfolder;
        type = type == null || type.isEmpty() ? "output" : type;
        kind = kind == null ? "images" : kind;
    }

    /** {@code subfolder/filename}, or just the file name. */
    public String path() {
        return subfolder.isEmpty() ? filename : subfolder + "/" + filename;
    }
}
