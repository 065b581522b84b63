package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The standard txt2img graph against the fake, checked against the sequence recorded from ComfyUI 0.3.64. */
class Txt2ImgTest {

    static final String GRAPH = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": %d, "steps": %d}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 128, "width": 128}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "masterpiece best quality girl"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "bad hands"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}}
            """;

    static FakeComfyUI fake;
    static OkHttpClient http;

    @BeforeAll
    static void start() {
        fake = FakeComfyUI.builder().port(0).timeScale(200).seed(7).start();
        http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
    }

    @AfterAll
    static void stop() {
        fake.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    static JsonNode post(String path, String body) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + path)
                .post(RequestBody.create(body, MediaType.get("application/json"))).build()).execute()) {
            String s = r.body().string();
            return s.isEmpty() ? PythonJson.object() : PythonJson.parse(s);
        }
    }

    static JsonNode get(String path) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + path).build()).execute()) {
            return PythonJson.parse(r.body().string());
        }
    }

    static String submit(String clientId, long seed, int steps) throws IOException {
        ObjectNode body = PythonJson.object();
        body.set("prompt", PythonJson.parse(GRAPH.formatted(seed, steps)));
        body.put("client_id", clientId);
        return post("/prompt", PythonJson.write(body)).get("prompt_id").asText();
    }

    @Test
    void coldRunThenCachedResubmissionLikeTheTraces() throws Exception {
        post("/free", "{\"free_memory\": true}"); // cold cache whatever ran before
        try (WsRecorder a = new WsRecorder(http, fake.wsUrl("clientA"), true);
             WsRecorder b = new WsRecorder(http, fake.wsUrl("observerB"), false)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.types().contains("feature_flags")
                    && b.types().contains("status"));
            String p = submit("clientA", 31337, 20);
            await().atMost(Duration.ofSeconds(20)).until(() -> a.finished(p));

            List<String> types = a.types();
            assertThat(types.subList(0, 2)).containsExactly("status", "feature_flags");
            List<String> run = new ArrayList<>(types.subList(2, types.size()));
            assertThat(run).startsWith("status", "status", "execution_start", "execution_cached", "progress_state",
                    "executing");
            assertThat(run).endsWith("executed", "progress_state", "execution_success", "status", "executing");
            assertThat(run.stream().filter("progress"::equals).count()).isEqualTo(20);
            assertThat(run.stream().filter("binary:4"::equals).count()).isEqualTo(20);
            assertThat(run.stream().filter("progress_state"::equals).count()).isEqualTo(34);
            List<String> order = a.frames.stream().filter(f -> f.type().equals("executing")
                    && !f.data().path("node").isNull()).map(f -> f.data().get("node").asText()).toList();
            assertThat(order).containsExactly("4", "6", "7", "5", "3", "8", "9");
            // per step: progress_state, type-4 preview, progress
            int firstProgress = run.indexOf("progress");
            assertThat(run.subList(firstProgress - 2, firstProgress + 1))
                    .containsExactly("progress_state", "binary:4", "progress");
            // the observer sees only status
            assertThat(b.types()).containsOnly("status").hasSize(4);

            JsonNode executed = a.frames.stream().filter(f -> f.type().equals("executed")).findFirst().orElseThrow()
                    .data();
            JsonNode image = executed.path("output").path("images").get(0);
            assertThat(image.get("type").asText()).isEqualTo("output");
            assertThat(image.get("filename").asText()).matches("ComfyUI_\\d{5}_\\.png");

            JsonNode hist = get("/history/" + p).get(p);
            assertThat(hist.path("status").path("status_str").asText()).isEqualTo("success");
            assertThat(hist.path("prompt").get(1).asText()).isEqualTo(p);
            assertThat(hist.path("outputs").path("9").path("images").get(0)).isEqualTo(image);
            assertThat(hist.path("meta").path("9").path("real_node_id").asText()).isEqualTo("9");
            List<String> msgs = new ArrayList<>();
            hist.path("status").path("messages").forEach(m -> msgs.add(m.get(0).asText()));
            assertThat(msgs).containsExactly("execution_start", "execution_cached", "execution_success");

            try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + "/view?filename="
                    + image.get("filename").asText() + "&subfolder=&type=output").build()).execute()) {
                assertThat(r.code()).isEqualTo(200);
                assertThat(r.header("Content-Type")).isEqualTo("image/png");
                byte[] png = r.body().bytes();
                assertThat(png).startsWith(0x89, 'P', 'N', 'G');
            }
            assertThat(get("/queue").toString()).isEqualTo("{\"queue_running\":[],\"queue_pending\":[]}");

            // identical resubmission: fully cached, executed replays the old file, no executing
            int before = a.frames.size();
            String p2 = submit("clientA", 31337, 20);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p2));
            List<WsRecorder.Frame> second = a.frames.subList(before, a.frames.size());
            assertThat(second.stream().map(WsRecorder.Frame::type).toList()).containsExactly("status", "status",
                    "execution_start", "execution_cached", "executed", "progress_state", "execution_success",
                    "status", "executing");
            assertThat(second.get(3).data().get("nodes").toString()).isEqualTo("[\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]");
            assertThat(second.get(4).data().path("output").path("images").get(0)).isEqualTo(image);

            // changed seed: 4,5,6,7 cached, 3, 8, 9 run
            int mark = a.frames.size();
            String p3 = submit("clientA", 1, 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p3));
            List<WsRecorder.Frame> third = a.frames.subList(mark, a.frames.size());
            assertThat(third.get(3).data().get("nodes").toString()).isEqualTo("[\"4\",\"5\",\"6\",\"7\"]");
            assertThat(third.stream().filter(f -> f.type().equals("executing") && !f.data().path("node").isNull())
                    .map(f -> f.data().get("node").asText()).toList()).containsExactly("3", "8", "9");
        }
        assertThat(fake.journal().requests("POST", "/prompt").stream()
                .filter(e -> e.text().contains("\"clientA\"")).count()).isEqualTo(3);
    }

    @Test
    void interruptDuringSamplerEndsWithExecutionInterrupted() throws Exception {
        fake.scenario().stepsPerSecond("KSampler", 2); // 0.5 virtual s per step, 2.5 ms real
        try (WsRecorder a = new WsRecorder(http, fake.wsUrl("clientI"), true)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.types().contains("feature_flags"));
            String p = submit("clientI", 99, 1000);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.has(f -> f.type().equals("progress")
                    && f.data().path("value").asInt() >= 2 && p.equals(f.data().path("prompt_id").asText())));
            JsonNode q = get("/queue");
            assertThat(q.path("queue_running").get(0).get(1).asText()).isEqualTo(p);
            post("/interrupt", "{\"prompt_id\": \"" + p + "\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p));
            List<String> t = a.types();
            assertThat(t).endsWith("execution_interrupted", "status", "executing");
            JsonNode intr = a.frames.stream().filter(f -> f.type().equals("execution_interrupted")).findFirst()
                    .orElseThrow().data();
            assertThat(intr.get("node_id").asText()).isEqualTo("3");
            assertThat(intr.get("node_type").asText()).isEqualTo("KSampler");
            JsonNode hist = get("/history/" + p).get(p);
            assertThat(hist.path("status").path("status_str").asText()).isEqualTo("error");
            assertThat(hist.path("status").path("completed").asBoolean()).isFalse();
        } finally {
            fake.scenario().reset();
        }
    }
}
