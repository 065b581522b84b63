package io.comfyrun.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The benchmark graphs (bench/workflows/*.json) and the "gate": a long training prompt posted straight over HTTP
 * (not through any client under test) that keeps the server busy until every measured prompt is queued, then is
 * interrupted. Its events go to a clientId with no socket, so no client under test sees them.
 */
final class Workflows {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");

    final Path dir;
    final ObjectNode txt2img;
    final ObjectNode training;
    final ObjectNode tiny;

    Workflows(Path dir) {
        this.dir = dir;
        this.txt2img = read(dir.resolve("txt2img.json"));
        this.training = read(dir.resolve("training.json"));
        this.tiny = read(dir.resolve("tiny.json"));
    }

    private static ObjectNode read(Path p) {
        try {
            return (ObjectNode) JSON.readTree(Files.readString(p));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read benchmark workflow " + p, e);
        }
    }

    /** The i-th variant: seeds and EmptyImage colours shifted (same rule as the peers' runner) so nothing is cached. */
    static ObjectNode variant(ObjectNode base, int i) {
        ObjectNode w = base.deepCopy();
        w.fields().forEachRemaining(e -> {
            JsonNode inputs = e.getValue().path("inputs");
            if (inputs instanceof ObjectNode in) {
                if (in.path("seed").isNumber()) {
                    in.put("seed", in.path("seed").asLong() + i);
                }
                // ComfyUI (and the fake) scan the output folder on every save: 100 files per folder keeps that flat.
                if ("SaveImage".equals(e.getValue().path("class_type").asText())
                        && in.path("filename_prefix").asText("").startsWith("bench/")) {
                    in.put("filename_prefix", "bench/" + (i / 100) + "/tiny");
                }
                if ("EmptyImage".equals(e.getValue().path("class_type").asText()) && in.path("color").isNumber()) {
                    in.put("color", (in.path("color").asInt() + i) % 16_777_215);
                }
            }
        });
        return w;
    }

    void postGate(OkHttpClient http, String baseUrl, String promptId) throws IOException {
        ObjectNode gate = training.deepCopy();
        ((ObjectNode) gate.path("20").path("inputs")).put("steps", 100_000);
        ObjectNode body = JSON.createObjectNode();
        body.set("prompt", gate);
        body.put("client_id", "bench-gate");
        body.put("prompt_id", promptId);
        call(http, "POST", baseUrl + "/prompt", body.toString());
    }

    static void interrupt(OkHttpClient http, String baseUrl, String promptId) throws IOException {
        call(http, "POST", baseUrl + "/interrupt", "{\"prompt_id\": \"" + promptId + "\"}");
    }

    /** Waits until the server holds at least {@code n} prompts (running + pending). */
    static boolean awaitQueued(OkHttpClient http, String baseUrl, int n, Duration max) throws IOException {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < end) {
            JsonNode q = call(http, "GET", baseUrl + "/queue", null);
            if (q.path("queue_running").size() + q.path("queue_pending").size() >= n) {
                return true;
            }
            pause(50);
        }
        return false;
    }

    static JsonNode call(OkHttpClient http, String method, String url, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(url);
        if (body != null) {
            b.method(method, RequestBody.create(body, JSON_TYPE));
        }
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            if (r.code() >= 400) {
                throw new IOException(method + " " + url + " answered " + r.code() + ": " + text);
            }
            return text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
        }
    }

    /** A benchmark driver's pacing wait (never used as synchronisation in a test). */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
