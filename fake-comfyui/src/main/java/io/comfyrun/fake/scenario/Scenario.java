package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.json.StrictFields;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A scenario file: how fast things go and what breaks. The same model is reached from JSON files
 * ({@code --scenario}), the Java API ({@code fake.scenario()}, {@code fake.faults()}) and the admin API
 * ({@code /__fake/scenario}, {@code /__fake/faults}).
 *
 * <pre>{@code
 * {
 *   "time_scale": 100,              // optional; virtual time runs 100x faster
 *   "seed": 42,                     // optional
 *   "previews": true,               // binary preview frames per sampler step (--preview-method)
 *   "same_client_id_bug": false,    // reproduce ComfyUI #16010 (§2.6)
 *   "comfyui_version": "0.3.44",    // behave like an older or newer release (§10); default 0.3.64
 *   "jobs_api": true,               // serve POST /api/jobs/{id}/cancel (default off)
 *   "base_path": "/comfy",          // start-up only: every route and /ws under this prefix, as behind a proxy
 *   "require_auth": "Bearer s3cret",// start-up only: exact header value required, else 401
 *   "auth_header": "Authorization", // start-up only: which header require_auth checks
 *   "timings": [ {"class_type": "KSampler", "steps_per_second": 5} ],
 *   "faults":  [ {"kind": "execution_error", "trigger": {"node_id": "3", "at_step": 5}} ]
 * }
 * }</pre>
 *
 * @param timeScale null to keep the server's setting
 * @param seed      null to keep the server's setting
 * @param previews  null to keep the server's setting
 * @param sameClientIdBug null to keep the server's setting
 * @param comfyuiVersion  null to keep the server's setting
 * @param jobsApi         null to keep the server's setting
 * @param basePath        null for none; read by the builder only (the listening routes are fixed at start)
 * @param requireAuth     null for none; read by the builder only, and never written back by {@link #toJson()}
 * @param authHeader      null for {@code Authorization}; read by the builder only
 */
public record Scenario(Double timeScale, Long seed, Boolean previews, Boolean sameClientIdBug,
                       String comfyuiVersion, Boolean jobsApi, String basePath, String requireAuth, String authHeader,
                       List<TimingRule> timings, List<Fault> faults) {

    public Scenario {
        timings = List.copyOf(timings == null ? List.of() : timings);
        faults = List.copyOf(faults == null ? List.of() : faults);
        if (comfyuiVersion != null) {
            VersionProfile.parse(comfyuiVersion);
        }
    }

    /** A scenario with only options set: no timings, no faults. */
    public Scenario(Double timeScale, Long seed, Boolean previews, Boolean sameClientIdBug,
                    List<TimingRule> timings, List<Fault> faults) {
        this(timeScale, seed, previews, sameClientIdBug, null, null, null, null, null, timings, faults);
    }

    public static Scenario empty() {
        return new Scenario(null, null, null, null, List.of(), List.of());
    }

    public static Scenario fromJson(String json) {
        try {
            return fromJson(PythonJson.parse(json));
        } catch (IOException e) {
            throw new IllegalArgumentException("scenario is not valid JSON: " + e.getMessage(), e);
        }
    }

    public static Scenario fromPath(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scenario file " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scenario file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every field of a scenario file, by its JSON name ({@code require_auth_set} is what {@link #toJson()} writes;
     * {@code object_info}, {@code recordings} and {@code recorded_from} are a recorded session's, read by
     * {@code FakeComfyUI.Builder.scenario(Path)} at start-up).
     */
    public static final java.util.Set<String> FIELDS = java.util.Set.of("time_scale", "seed", "previews",
            "same_client_id_bug", "comfyui_version", "jobs_api", "base_path", "require_auth", "auth_header",
            "require_auth_set", "timings", "faults", "object_info", "recordings", "recorded_from");

    /** Unknown fields, and values of the wrong type, are errors naming the field and the known ones. */
    public static Scenario fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a scenario must be a JSON object");
        }
        StrictFields f = StrictFields.of(n, "scenario", FIELDS);
        List<TimingRule> timings = new ArrayList<>();
        int i = 0;
        for (JsonNode t : list(n, "timings")) {
            try {
                timings.add(TimingRule.fromJson(t));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("timings[" + i + "]: " + e.getMessage(), e);
            }
            i++;
        }
        List<Fault> faults = new ArrayList<>();
        i = 0;
        for (JsonNode x : list(n, "faults")) {
            try {
                faults.add(Fault.fromJson(x));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("faults[" + i + "]: " + e.getMessage(), e);
            }
            i++;
        }
        Double scale = f.number("time_scale");
        if (scale != null && !(scale > 0)) {
            throw new IllegalArgumentException("time_scale in scenario must be above 0, got: " + scale);
        }
        return new Scenario(scale, f.longValue("seed"), f.bool("previews"), f.bool("same_client_id_bug"),
                f.text("comfyui_version"), f.bool("jobs_api"), f.text("base_path"), f.text("require_auth"),
                f.text("auth_header"), timings, faults);
    }

    private static JsonNode list(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return PythonJson.array();
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(field + " in scenario must be a JSON array, got: " + v);
        }
        return v;
    }

    public ObjectNode toJson() {
        ObjectNode o = PythonJson.object();
        if (timeScale != null) {
            o.put("time_scale", timeScale);
        }
        if (seed != null) {
            o.put("seed", seed);
        }
        if (previews != null) {
            o.put("previews", previews);
        }
        if (sameClientIdBug != null) {
            o.put("same_client_id_bug", sameClientIdBug);
        }
        if (comfyuiVersion != null) {
            o.put("comfyui_version", comfyuiVersion);
        }
        if (jobsApi != null) {
            o.put("jobs_api", jobsApi);
        }
        if (basePath != null) {
            o.put("base_path", basePath);
        }
        if (requireAuth != null) {
            // the credential itself is never echoed (admin API, saved scenarios, logs)
            o.put("auth_header", authHeader == null ? "Authorization" : authHeader);
            o.put("require_auth_set", true);
        }
        ArrayNode t = o.putArray("timings");
        timings.forEach(r -> t.add(r.toJson()));
        ArrayNode f = o.putArray("faults");
        faults.forEach(x -> f.add(x.toJson()));
        return o;
    }
}
