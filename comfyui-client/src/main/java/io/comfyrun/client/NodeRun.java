package io.comfyrun.client;

/** One node of a finished prompt: what it was, whether it came from the cache, and how long it ran. */
public record NodeRun(String id, String classType, String title, boolean cached, long millis) {
}
