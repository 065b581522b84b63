package io.comfyrun.fake.scenario;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which ComfyUI release the fake behaves like, so clients can be tested against older and newer servers
 * (protocol reference §10). Only the differences a client can observe are modelled:
 * <ul>
 *   <li>below 0.3.45 (PR #8830, #8189): no {@code progress_state}, no {@code feature_flags} answer, no
 *       binary type 4 (every socket gets type-1 previews), no {@code /features} route, and a
 *       client-supplied {@code prompt_id} is ignored (the server picks a uuid4);</li>
 *   <li>below 0.3.57 (PR #9607): {@code /interrupt} ignores {@code prompt_id}, so every call is global;</li>
 *   <li>the jobs cancel API ({@code POST /api/jobs/{id}/cancel}, PR #14493) is opt-in, because the
 *       release that first shipped it is not verified.</li>
 * </ul>
 * Mutable at runtime (admin API, scenario) and read from the engine thread, hence volatile.
 */
public final class VersionProfile {

    public static final String DEFAULT_VERSION = "0.3.64";
    private static final Pattern VERSION = Pattern.compile("v?(\\d+)\\.(\\d+)\\.(\\d+)([-+.].*)?");

    private volatile String version = DEFAULT_VERSION;
    private volatile int[] parts = parse(DEFAULT_VERSION);
    private volatile boolean jobsApi;

    /** The version reported in {@code /system_stats} and whose behaviour the server shows. */
    public String version() {
        return version;
    }

    public VersionProfile version(String v) {
        int[] p = parse(v);
        this.parts = p;
        this.version = v.trim();
        return this;
    }

    public boolean jobsApi() {
        return jobsApi;
    }

    public VersionProfile jobsApi(boolean on) {
        this.jobsApi = on;
        return this;
    }

    /** {@code prompt_id} in POST /prompt, {@code progress_state}, feature flags, type-4 previews, /features. */
    public boolean atLeast0345() {
        return atLeast(0, 3, 45);
    }

    /** {@code /interrupt} honours {@code prompt_id}. */
    public boolean targetedInterrupt() {
        return atLeast(0, 3, 57);
    }

    public boolean atLeast(int major, int minor, int patch) {
        int[] have = parts;
        int[] want = {major, minor, patch};
        for (int i = 0; i < 3; i++) {
            if (have[i] != want[i]) {
                return have[i] > want[i];
            }
        }
        return true;
    }

    /** Checks a version string such as {@code 0.3.44}; throws naming the value when it is not one. */
    public static int[] parse(String v) {
        Matcher m = v == null ? null : VERSION.matcher(v.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("comfyui_version must look like 0.3.64 (major.minor.patch), got: "
                    + (v == null ? "nothing" : "'" + v + "'"));
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
    }
}
