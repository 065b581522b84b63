package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import io.comfyrun.fake.scenario.Fault.WsAction;
import io.comfyrun.fake.scenario.Trigger;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Each fault and behaviour a client must survive, as a named scenario against the in-process fake. */
class FaultsAndScenariosTest {

    @RegisterExtension
    static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(200).seed(3).build();

    static final OkHttpClient http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

    @AfterAll
    static void closeClient() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    static Response call(String method, String path, String body) throws IOException {
        Request.Builder b = new Request.Builder().url(fake.baseUrl() + path);
        if (body != null) {
            b.method(method, RequestBody.create(body, MediaType.get("application/json")));
        } else {
            b.method(method, null);
        }
        return http.newCall(b.build()).execute();
    }

    static JsonNode json(String method, String path, String body) throws IOException {
        try (Response r = call(method, path, body)) {
            String s = r.body().string();
            return s.isEmpty() ? PythonJson.object() : PythonJson.parse(s);
        }
    }

    static String submit(String clientId, long seed, int steps) throws IOException {
        ObjectNode body = PythonJson.object();
        body.set("prompt", PythonJson.parse(Txt2ImgTest.GRAPH.formatted(seed, steps)));
        if (clientId != null) {
            body.put("client_id", clientId);
        }
        return json("POST", "/prompt", PythonJson.write(body)).get("prompt_id").asText();
    }

    static WsRecorder connect(String clientId) {
        WsRecorder w = new WsRecorder(http, fake.wsUrl(clientId), true);
        await().atMost(Duration.ofSeconds(5)).until(() -> w.types().contains("feature_flags"));
        return w;
    }

    static JsonNode history(String p) throws IOException {
        return json("GET", "/history/" + p, null).path(p);
    }

    @Test
    void runtimeErrorLeavesTheNodeRunningAndRecordsTheErrorInHistory() throws Exception {
        fake.faults().executionErrorAtStep("3", 2, "torch.OutOfMemoryError", "CUDA out of memory");
        try (WsRecorder a = connect("err")) {
            String p = submit("err", 11, 5);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p));
            assertThat(a.types()).endsWith("execution_error", "status", "executing");
            JsonNode err = a.frames.stream().filter(f -> f.type().equals("execution_error")).findFirst().orElseThrow()
                    .data();
            assertThat(err.get("node_id").asText()).isEqualTo("3");
            assertThat(err.get("exception_message").asText()).isEqualTo("CUDA out of memory\n");
            assertThat(err.has("timestamp")).isTrue();
            assertThat(err.path("current_inputs").path("model").get(0).asText()).startsWith("<comfy.model_patcher");
            JsonNode lastState = a.frames.stream().filter(f -> f.type().equals("progress_state"))
                    .reduce((x, y) -> y).orElseThrow().data();
            assertThat(lastState.path("nodes").path("3").path("state").asText()).isEqualTo("running");
            JsonNode h = history(p);
            assertThat(h.path("status").path("status_str").asText()).isEqualTo("error");
            assertThat(h.path("status").path("messages").get(2).get(0).asText()).isEqualTo("execution_error");
        }
        assertThat(fake.journal().faults()).hasSize(1);
    }

    @Test
    void executionBlockedIsNotTerminal() throws Exception {
        fake.faults().executionBlockedAt("8", "no image today");
        try (WsRecorder a = connect("blk")) {
            String p = submit("blk", 12, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p));
            JsonNode blocked = a.frames.stream().filter(f -> f.type().equals("execution_error")).findFirst()
                    .orElseThrow().data();
            assertThat(blocked.get("exception_type").asText()).isEqualTo("ExecutionBlocked");
            assertThat(blocked.has("timestamp")).isFalse();
            assertThat(a.types()).contains("execution_success");
            assertThat(history(p).path("outputs").size()).isZero();
        }
    }

    @Test
    void resetMidSamplerThenReconnectRefusedThenBareExecuting() throws Exception {
        fake.scenario().stepsPerSecond("KSampler", 0.1); // 50 ms real per step
        fake.faults().wsDrop(Trigger.onEvent("progress", 3).forClient("drop"), WsAction.RST, 400_000);
        WsRecorder a = new WsRecorder(http, fake.wsUrl("drop"), true);
        String p = submit("drop", 13, 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.closed);
        assertThat(a.types().stream().filter("progress"::equals).count()).isEqualTo(2);
        // reconnect refused for 400,000 virtual ms (2 s real here), then accepted
        WsRecorder first = new WsRecorder(http, fake.wsUrl("drop"), true);
        await().atMost(Duration.ofSeconds(5)).until(() -> first.open || first.closed);
        first.close();
        assertThat(first.open).as("the reconnect right after the drop is refused").isFalse();
        WsRecorder[] attempt = new WsRecorder[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            attempt[0] = new WsRecorder(http, fake.wsUrl("drop"), true);
            await().atMost(Duration.ofSeconds(5)).until(() -> attempt[0].open || attempt[0].closed);
            return attempt[0].open;
        });
        try (WsRecorder a2 = attempt[0]) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a2.types().contains("feature_flags"));
            assertThat(a2.frames.get(1).type()).isEqualTo("executing");
            assertThat(a2.frames.get(1).data().toString()).isEqualTo("{\"node\":\"3\"}");
            json("POST", "/interrupt", "{}");
            await().atMost(Duration.ofSeconds(10)).until(() -> a2.finished(p));
        }
        assertThat(fake.journal().faults()).isNotEmpty();
    }

    @Test
    void httpFaultsFromTheAdminApi() throws Exception {
        json("POST", "/__fake/faults", "{\"kind\": \"http_status\", \"status\": 503, \"trigger\": {\"route\": \"/prompt\","
                + " \"method\": \"POST\"}}");
        try (Response r = call("POST", "/api/prompt", "{\"prompt\": {}}")) {
            assertThat(r.code()).isEqualTo(503);
        }
        try (Response r = call("POST", "/api/prompt", "{\"prompt\": {}}")) {
            assertThat(r.code()).isEqualTo(400); // the fault was one-shot; now real validation answers
            assertThat(PythonJson.parse(r.body().string()).path("error").path("type").asText())
                    .isEqualTo("prompt_no_outputs");
        }
        json("POST", "/__fake/faults", "{\"kind\": \"http_reset\", \"trigger\": {\"route\": \"/queue\"}}");
        boolean failed = false;
        OkHttpClient noRetry = http.newBuilder().retryOnConnectionFailure(false).build();
        try (Response r = noRetry.newCall(new Request.Builder().url(fake.baseUrl() + "/queue").build()).execute()) {
            r.body().string();
        } catch (IOException expected) {
            failed = true;
        }
        assertThat(failed).isTrue();
        JsonNode faults = json("GET", "/__fake/faults", null);
        assertThat(faults.get(0).get("fired").asInt()).isEqualTo(1);
        JsonNode journal = json("GET", "/__fake/journal?kind=FAULT", null);
        assertThat(journal.path("entries").size()).isEqualTo(2);
    }

    @Test
    void promptWithoutClientIdLeaksProgressToEverySocket() throws Exception {
        try (WsRecorder observer = connect("observer")) {
            String p = submit(null, 14, 3);
            await().atMost(Duration.ofSeconds(10)).until(() -> history(p).has("status"));
            await().atMost(Duration.ofSeconds(5)).until(() -> observer.types().stream()
                    .filter("status"::equals).count() >= 4);
            List<String> t = observer.types();
            assertThat(t).contains("progress", "progress_state", "binary:1").doesNotContain("execution_start",
                    "executing", "executed", "execution_success", "binary:4");
        }
    }

    @Test
    void queuedPromptDeletedWhilePending() throws Exception {
        fake.scenario().stepsPerSecond("KSampler", 1);
        try (WsRecorder a = connect("q")) {
            String p1 = submit("q", 21, 50);
            String p2 = submit("q", 22, 2);
            JsonNode q = json("GET", "/queue", null);
            assertThat(q.path("queue_pending").get(0).get(1).asText()).isEqualTo(p2);
            json("POST", "/queue", "{\"delete\": [\"" + p2 + "\"]}");
            assertThat(json("GET", "/queue", null).path("queue_pending").size()).isZero();
            json("POST", "/interrupt", "{\"prompt_id\": \"" + p1 + "\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p1));
            assertThat(history(p2).isMissingNode()).isTrue();
            assertThat(a.has(f -> p2.equals(f.data() == null ? null : f.data().path("prompt_id").asText(null))))
                    .isFalse();
        }
    }

    @Test
    void twoHourTrainingRunsInVirtualTime() throws Exception {
        fake.scenario().timeScale(20_000);
        String graph = """
                {"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
                 "20": {"class_type": "FakeLoraTrainer", "inputs": {"model": ["4", 0], "clip": ["4", 1], "steps": 3000,
                   "learning_rate": 0.0005, "rank": 8, "seed": 1, "filename_prefix": "loras/trained"}}}
                """;
        try (WsRecorder a = connect("train")) {
            String p = json("POST", "/prompt", "{\"client_id\": \"train\", \"prompt\": " + graph + "}")
                    .get("prompt_id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() -> a.finished(p));
            assertThat(a.types().stream().filter("progress"::equals).count()).isEqualTo(3000);
            JsonNode h = history(p);
            assertThat(h.path("status").path("status_str").asText()).isEqualTo("success");
            JsonNode lora = h.path("outputs").path("20").path("loras").get(0);
            assertThat(lora.get("subfolder").asText()).isEqualTo("loras");
            try (Response r = call("GET", "/view?filename=" + lora.get("filename").asText() + "&subfolder=loras", null)) {
                assertThat(r.code()).isEqualTo(200);
            }
        } finally {
            fake.scenario().timeScale(200);
        }
    }

    @Test
    void restartLosesQueueAndHistoryButKeepsThePort() throws Exception {
        String p;
        try (WsRecorder a = connect("rs")) {
            p = submit("rs", 31, 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p));
            int port = fake.fake().port();
            try (Response r = call("POST", "/__fake/restart", "{}")) {
                assertThat(r.code()).isEqualTo(204);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> a.closed);
            assertThat(fake.fake().port()).isEqualTo(port);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> json("GET", "/history", null).size() == 0);
        assertThat(history(p).isMissingNode()).isTrue();
    }

    @Test
    void sameClientIdBugMakesTheNewSocketDeafWhenTheOldCloses() throws Exception {
        fake.scenario().sameClientIdBug(true);
        WsRecorder x1 = connect("dupid");
        try (WsRecorder x2 = connect("dupid")) {
            x1.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> x1.closed);
            await().atMost(Duration.ofSeconds(5)).until(() -> json("GET", "/__fake/sockets", null).size() == 0
                    || !json("GET", "/__fake/sockets", null).toString().contains("dupid"));
            int before = x2.frames.size();
            String p = submit("dupid", 41, 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> history(p).has("status"));
            assertThat(x2.frames.size()).isEqualTo(before);
        }
    }

    @Test
    void malformedAndUnknownFramesAreInjectedBeforeTheMatchingMessage() throws Exception {
        fake.faults().ws(Trigger.onEvent("execution_start", 1).forClient("bad"), WsAction.MALFORMED_JSON);
        fake.faults().ws(Trigger.onEvent("execution_success", 1).forClient("bad"), WsAction.UNKNOWN_MESSAGE);
        try (WsRecorder a = connect("bad")) {
            String p = submit("bad", 51, 1);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.finished(p));
            List<String> t = a.types();
            assertThat(t.get(t.indexOf("execution_start") - 1)).isEqualTo("<malformed>");
            assertThat(t.get(t.indexOf("execution_success") - 1)).isEqualTo("fake_unknown_event");
        }
    }
}
