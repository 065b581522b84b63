package io.comfyrun.fake.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.json.PythonJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Record a session through the proxy in front of the fake itself, replay it with a second fake started from the
 * session file: the client receives the same frames, byte for byte, in the same order, and finds the same outputs.
 */
class RecordReplayParityTest {

    static final String WORKFLOW = """
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0],
               "model": ["4", 0], "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler",
               "scheduler": "normal", "seed": 77, "steps": 4}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 96, "width": 128}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a lighthouse"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "blurry"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "parity", "images": ["8", 0]}}}
            """;

    /** One frame as the client got it: text, or binary bytes. */
    record Frame(String text, byte[] binary) {
        String describe() {
            return text != null ? text : "binary " + binary.length + " bytes " + Arrays.toString(
                    Arrays.copyOf(binary, Math.min(8, binary.length)));
        }

        boolean sameAs(Frame o) {
            return text != null ? text.equals(o.text) : o.binary != null && Arrays.equals(binary, o.binary);
        }
    }

    /** Connects, posts the workflow (with this prompt id, or none), and returns every frame up to its final executing. */
    static List<Frame> run(URI base, String clientId, String promptId, String[] answeredId) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Frame> frames = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> connected = new CompletableFuture<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        String[] waitingFor = new String[1];
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create(base.toString().replaceFirst("^http", "ws")
                + "/ws?clientId=" + clientId), new WebSocket.Listener() {
                    final StringBuilder text = new StringBuilder();
                    ByteArrayOutputStream bin = new ByteArrayOutputStream();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            String t = text.toString();
                            text.setLength(0);
                            frames.add(new Frame(t, null));
                            connected.complete(null);
                            try {
                                JsonNode m = PythonJson.parse(t);
                                if (m.path("type").asText().equals("executing") && m.path("data").path("node").isNull()
                                        && m.path("data").path("prompt_id").asText().equals(waitingFor[0])) {
                                    done.complete(null);
                                }
                            } catch (Exception e) {
                                done.completeExceptionally(e);
                            }
                        }
                        w.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                        byte[] b = new byte[data.remaining()];
                        data.get(b);
                        bin.writeBytes(b);
                        if (last) {
                            frames.add(new Frame(null, bin.toByteArray()));
                            bin = new ByteArrayOutputStream();
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        try {
            connected.get(10, TimeUnit.SECONDS); // the first status frame: the server registered this socket
            String body = "{\"prompt\": " + WORKFLOW + ", \"client_id\": \"" + clientId + "\""
                    + (promptId == null ? "" : ", \"prompt_id\": \"" + promptId + "\"") + "}";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/prompt"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String id = PythonJson.parse(r.body()).path("prompt_id").asText();
            synchronized (waitingFor) {
                waitingFor[0] = id;
            }
            answeredId[0] = id;
            // the terminal frame may have arrived before the id was known: look again
            for (Frame f : frames) {
                if (f.text() != null && f.text().contains("\"node\": null") && f.text().contains(id)) {
                    done.complete(null);
                }
            }
            done.get(30, TimeUnit.SECONDS);
            return List.copyOf(frames);
        } finally {
            ws.abort();
        }
    }

    static JsonNode history(URI base, String id) throws Exception {
        return PythonJson.parse(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/history/"
                + id)).build(), HttpResponse.BodyHandlers.ofString()).body()).path(id);
    }

    @Test
    void aSessionRecordedAgainstTheFakeReplaysByteForByteInEventOrder(@TempDir Path dir) throws Exception {
        Path session = dir.resolve("session.json");
        String promptId = "0b8f7c1e-2d6a-4f3b-9c1d-5e7a8b9c0d1e";
        String[] id = new String[1];
        List<Frame> recorded;
        JsonNode recordedHistory;
        try (FakeComfyUI upstream = FakeComfyUI.builder().timeScale(50).seed(5).start();
             RecordingProxy proxy = RecordingProxy.start(upstream.baseUrl(), "127.0.0.1", 0, session)) {
            recorded = run(proxy.baseUrl(), "parity", promptId, id);
            await().atMost(Duration.ofSeconds(20)).until(() -> proxy.completedRecordings() == 1);
            recordedHistory = history(upstream.baseUrl(), promptId);
        }
        JsonNode saved = PythonJson.parse(Files.readString(session));
        assertThat(saved.path("object_info").has("KSampler")).isTrue();
        JsonNode rec = saved.path("recordings").get(0);
        assertThat(rec.path("frames").get(0).path("type").asText()).isEqualTo("execution_start");
        assertThat(rec.path("files").get(0).path("width").asInt()).isEqualTo(128);
        assertThat(rec.path("files").get(0).path("height").asInt()).isEqualTo(96);

        try (FakeComfyUI replayer = FakeComfyUI.builder().timeScale(50).scenario(session).start()) {
            List<Frame> replayed = run(replayer.baseUrl(), "parity", promptId, id);
            assertThat(replayed).hasSameSizeAs(recorded);
            for (int i = 0; i < recorded.size(); i++) {
                assertThat(replayed.get(i).sameAs(recorded.get(i)))
                        .as("frame %d: recorded %s%n replayed %s", i, recorded.get(i).describe(),
                                replayed.get(i).describe())
                        .isTrue();
            }
            JsonNode h = history(replayer.baseUrl(), promptId);
            assertThat(h.path("outputs")).isEqualTo(recordedHistory.path("outputs"));
            assertThat(h.path("status")).isEqualTo(recordedHistory.path("status"));
            JsonNode image = h.path("outputs").path("9").path("images").get(0);
            byte[] png = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(replayer.baseUrl()
                    + "/view?filename=" + image.path("filename").asText() + "&type=output")).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).body();
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(img.getWidth()).isEqualTo(128);
            assertThat(img.getHeight()).isEqualTo(96);
        }
    }

    @Test
    void aReplayUnderAnotherPromptIdCarriesTheNewIdInEveryFrame(@TempDir Path dir) throws Exception {
        Path session = dir.resolve("session.json");
        String[] id = new String[1];
        List<Frame> recorded;
        try (FakeComfyUI upstream = FakeComfyUI.builder().timeScale(50).seed(5).start();
             RecordingProxy proxy = RecordingProxy.start(upstream.baseUrl(), "127.0.0.1", 0, session)) {
            recorded = run(proxy.baseUrl(), "first", null, id);
            await().atMost(Duration.ofSeconds(20)).until(() -> proxy.completedRecordings() == 1);
        }
        String recordedId = id[0];
        try (FakeComfyUI replayer = FakeComfyUI.builder().timeScale(50).scenario(session).start()) {
            List<Frame> replayed = run(replayer.baseUrl(), "first", null, id);
            assertThat(id[0]).isNotEqualTo(recordedId);
            List<String> types = replayed.stream().map(f -> f.text() == null ? "binary" : type(f.text())).toList();
            assertThat(types).isEqualTo(recorded.stream().map(f -> f.text() == null ? "binary" : type(f.text()))
                    .toList());
            assertThat(replayed.stream().filter(f -> f.text() != null)
                    .map(Frame::text)).noneMatch(t -> t.contains(recordedId));
            assertThat(history(replayer.baseUrl(), id[0]).path("status").path("status_str").asText())
                    .isEqualTo("success");
        }
    }

    private static String type(String text) {
        try {
            return PythonJson.parse(text.getBytes(StandardCharsets.UTF_8)).path("type").asText();
        } catch (Exception e) {
            return "?";
        }
    }
}
