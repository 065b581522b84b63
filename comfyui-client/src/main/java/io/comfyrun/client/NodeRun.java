package io.comfyrun.client;

/**
 * One node of a finished prompt: what it was, whether it came from the cache, and how long it ran.
 *
 * @param millis how long it ran, or {@link #UNMEASURED} when nobody saw it run (polling learns only that it ended)
 */
public record NodeRun(String id, String classType, String title, boolean cached, long millis) {

    /** The duration of a node whose start was not seen: not measured, so never reported as a number. */
    public static final long UNMEASURED = -1;

    public boolean measured() {
        return millis >= 0;
    }
}
