package io.comfyrun.fake.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
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
 *   "timings": [ {"class_type": "KSampler", "steps_per_second": 5} ],
 *   "faults":  [ {"kind": "execution_error", "trigger": {"node_id": "3", "at_step": 5}} ]
 * }
 * }</pre>
 *
 * @param timeScale null to keep the server's setting
 * @param seed      null to keep the server's setting
 * @param previews  null to keep the server's setting
 * @param sameClientIdBug null to keep the server's setting
 */
public record Scenario(Double timeScale, Long seed, Boolean previews, Boolean sameClientIdBug,
                       List<TimingRule> timings, List<Fault> faults) {

    public Scenario {
        timings = List.copyOf(timings == null ? List.of() : timings);
        faults = List.copyOf(faults == null ? List.of() : faults);
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

    public static Scenario fromJson(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("a scenario must be a JSON object");
        }
        List<TimingRule> timings = new ArrayList<>();
        for (JsonNode t : n.path("timings")) {
            timings.add(TimingRule.fromJson(t));
        }
        List<Fault> faults = new ArrayList<>();
        int i = 0;
        for (JsonNode f : n.path("faults")) {
            try {
                faults.add(Fault.fromJson(f));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("faults[" + i + "]: " + e.getMessage(), e);
            }
            i++;
        }
        return new Scenario(n.hasNonNull("time_scale") ? n.get("time_scale").asDouble() : null,
                n.hasNonNull("seed") ? n.get("seed").asLong() : null,
                n.hasNonNull("previews") ? n.get("previews").asBoolean() : null,
                n.hasNonNull("same_client_id_bug") ? n.get("same_client_id_bug").asBoolean() : null,
                timings, faults);
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
        ArrayNode t = o.putArray("timings");
        timings.forEach(r -> t.add(r.toJson()));
        ArrayNode f = o.putArray("faults");
        faults.forEach(x -> f.add(x.toJson()));
        return o;
    }
}
