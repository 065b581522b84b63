package io.comfyrun.client;

import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/**
 * What one server can do, learned from its version ({@code system.comfyui_version} of {@code /system_stats}) and,
 * where that says nothing, from a probe. An unknown or unparsable version is never taken for a new one: a feature
 * counts as present only when the version or a probe showed it.
 *
 * <p>Threads: written by the health check and the probes on io threads, read by any engine thread; the fields are
 * volatile and each is written as a whole (a stale read only delays a probe, never enables a missing feature).
 */
final class ServerVersion {

    private static final System.Logger LOG = System.getLogger(ServerVersion.class.getName());

    /** A feature of the server: present, absent, or not known yet. */
    enum Support { YES, NO, UNKNOWN }

    private volatile String version;
    /** Client-chosen prompt ids (v0.3.45, PR #8189), once a version or the {@code /features} probe told. */
    private volatile Support clientPromptIds = Support.UNKNOWN;

    /** The health check's answer; {@code null} when the server did not say. */
    void learned(String reported) {
        version = reported;
        Optional<Boolean> ids = atLeast(reported, 0, 3, 45);
        clientPromptIds = ids.isEmpty() ? Support.UNKNOWN : ids.get() ? Support.YES : Support.NO;
    }

    /** The {@code /features} route exists from v0.3.45 on, like client-chosen prompt ids: its answer is the probe. */
    void probedFeaturesRoute(boolean present) {
        if (clientPromptIds == Support.UNKNOWN) {
            clientPromptIds = present ? Support.YES : Support.NO;
        }
    }

    /** Probes the {@code /features} route (an io thread, after a health check that did not tell the version). */
    void probeFeaturesRoute(ComfyHttpApi http, URI server) {
        try {
            http.features();
            probedFeaturesRoute(true);
        } catch (ComfyHttpException e) {
            if (e.status() == 404) {
                probedFeaturesRoute(false);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "feature probe of {0} failed: {1}", server, e.toString());
        }
    }

    /** A POST answer echoed our own prompt id (only servers that honour it do). */
    void echoedClientPromptId() {
        clientPromptIds = Support.YES;
    }

    Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /** Whether the version is known at all (a health check got through and it parsed). */
    boolean known() {
        return version != null;
    }

    Support clientPromptIds() {
        return clientPromptIds;
    }

    /**
     * {@code /interrupt} with a {@code prompt_id} (v0.3.57). When not known, the caller interrupts only after
     * {@code /queue} showed ours running, where the global interrupt of an older server stops the same prompt.
     */
    boolean targetedInterrupt() {
        return atLeast(version, 0, 3, 57).orElse(false);
    }

    /** Whether {@code version} is at least {@code major.minor.patch}; empty when it is missing or does not parse. */
    static Optional<Boolean> atLeast(String version, int major, int minor, int patch) {
        if (version == null) {
            return Optional.empty();
        }
        String[] p = version.replaceFirst("^v", "").split("[.\\-+]");
        try {
            int[] have = {Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0,
                    p.length > 2 ? Integer.parseInt(p[2]) : 0};
            int[] want = {major, minor, patch};
            for (int i = 0; i < 3; i++) {
                if (have[i] != want[i]) {
                    return Optional.of(have[i] > want[i]);
                }
            }
            return Optional.of(true);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
