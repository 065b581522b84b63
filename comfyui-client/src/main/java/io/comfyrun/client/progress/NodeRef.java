package io.comfyrun.client.progress;

/** A node of the workflow: id, class and title ({@code _meta.title}, else the class). */
public record NodeRef(String id, String classType, String title) {

    /** {@code 3 KSampler}, or {@code 3 KSampler "My sampler"} when the title differs from the class. */
    public String label() {
        if (classType == null) {
            return id;
        }
        return title == null || title.equals(classType) ? id + " " + classType : id + " " + classType + " \"" + title + "\"";
    }
}
