package io.comfyrun.client;

/** The answer of {@code POST /upload/image}: the name the server stored (it may rename duplicates). */
public record UploadedFile(String name, String subfolder, String type) {

    /** The value to put in a {@code LoadImage.image} input: {@code subfolder/name} or {@code name}. */
    public String inputValue() {
        return subfolder == null || subfolder.isEmpty() ? name : subfolder + "/" + name;
    }
}
