package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.json.PythonJson;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** SaveImage writes the metadata ComfyUI writes: a {@code prompt} tEXt chunk, then one per {@code extra_pnginfo} key. */
class PngMetadataTest {

    static FakeComfyUI fake;
    static OkHttpClient http;

    @BeforeAll
    static void start() {
        fake = FakeComfyUI.builder().port(0).timeScale(200).seed(5).start();
        http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();
    }

    @AfterAll
    static void stop() {
        fake.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** One PNG chunk: its type and, for tEXt, keyword and text. */
    record Chunk(String type, String keyword, String text) {
    }

    static List<Chunk> chunks(byte[] png) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(png));
        in.skipNBytes(8);
        List<Chunk> chunks = new ArrayList<>();
        while (in.available() > 0) {
            int length = in.readInt();
            String type = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
            byte[] data = in.readNBytes(length);
            in.readInt(); // crc
            String keyword = null;
            String text = null;
            if ("tEXt".equals(type)) {
                int nul = 0;
                while (data[nul] != 0) {
                    nul++;
                }
                keyword = new String(data, 0, nul, StandardCharsets.ISO_8859_1);
                text = new String(data, nul + 1, data.length - nul - 1, StandardCharsets.ISO_8859_1);
            }
            chunks.add(new Chunk(type, keyword, text));
        }
        return chunks;
    }

    /** Each test runs its own seed: an identical prompt would be served from the cache without saving again. */
    byte[] runAndFetchImage(long seed, ObjectNode extraData) throws Exception {
        ObjectNode body = PythonJson.object();
        body.set("prompt", PythonJson.parse(Txt2ImgTest.GRAPH.formatted(seed, 2)));
        body.put("client_id", "png-test");
        if (extraData != null) {
            body.set("extra_data", extraData);
        }
        String id = post(PythonJson.write(body)).get("prompt_id").asText();
        JsonNode[] entry = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            entry[0] = get("/history/" + id).path(id);
            return entry[0].path("status").path("completed").asBoolean(false);
        });
        JsonNode image = entry[0].path("outputs").path("9").path("images").path(0);
        HttpUrl url = HttpUrl.get(fake.baseUrl() + "/view").newBuilder()
                .addQueryParameter("filename", image.path("filename").asText())
                .addQueryParameter("subfolder", image.path("subfolder").asText())
                .addQueryParameter("type", image.path("type").asText()).build();
        try (Response r = http.newCall(new Request.Builder().url(url).build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            return r.body().bytes();
        }
    }

    @Test
    void theEditorsWorkflowIsEmbeddedAfterThePrompt() throws Exception {
        ObjectNode workflow = (ObjectNode) PythonJson.parse("{\"last_node_id\": 9, \"nodes\": [{\"id\": 9, \"type\": \"SaveImage\","
                + " \"title\": \"Caf\\u00e9 \\u2615\", \"dir\": \"C:\\\\uABCD\"}], \"links\": [], \"version\": 0.4}");
        ObjectNode extra = PythonJson.object();
        extra.putObject("extra_pnginfo").set("workflow", workflow);
        List<Chunk> chunks = chunks(runAndFetchImage(99, extra));

        assertThat(chunks).extracting(Chunk::type).containsExactly("IHDR", "tEXt", "tEXt", "IDAT", "IEND");
        assertThat(chunks.get(1).keyword()).isEqualTo("prompt");
        assertThat(PythonJson.parse(chunks.get(1).text()).path("3").path("inputs").path("seed").asLong()).isEqualTo(99);
        assertThat(chunks.get(2).keyword()).isEqualTo("workflow");
        // json.dumps: ", " and ": " separators, non-ASCII escaped in lower-case hex (so the chunk stays Latin-1
        // tEXt); an escaped backslash followed by "uABCD" is text, not an escape, and keeps its case
        assertThat(chunks.get(2).text()).isEqualTo("{\"last_node_id\": 9, \"nodes\": [{\"id\": 9, \"type\": \"SaveImage\","
                + " \"title\": \"Caf\\u00e9 \\u2615\", \"dir\": \"C:\\\\uABCD\"}], \"links\": [], \"version\": 0.4}");
    }

    @Test
    void withoutExtraPngInfoOnlyThePromptIsEmbedded() throws Exception {
        List<Chunk> chunks = chunks(runAndFetchImage(98, null));
        assertThat(chunks).extracting(Chunk::type).containsExactly("IHDR", "tEXt", "IDAT", "IEND");
        assertThat(chunks.get(1).keyword()).isEqualTo("prompt");
    }

    static JsonNode post(String body) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + "/prompt")
                .post(RequestBody.create(body, MediaType.get("application/json"))).build()).execute()) {
            return PythonJson.parse(r.body().string());
        }
    }

    static JsonNode get(String path) throws IOException {
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + path).build()).execute()) {
            return PythonJson.parse(r.body().string());
        }
    }
}
