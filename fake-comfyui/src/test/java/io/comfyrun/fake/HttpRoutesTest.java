package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.json.PythonJson;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Route shapes and quirks of §7 that need no WebSocket. */
class HttpRoutesTest {

    @RegisterExtension
    static FakeComfyUIExtension fake = FakeComfyUIExtension.builder().timeScale(500).build();

    static final OkHttpClient http = new OkHttpClient.Builder().readTimeout(10, TimeUnit.SECONDS).build();

    @AfterAll
    static void closeClient() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    static Response get(String path) throws IOException {
        return http.newCall(new Request.Builder().url(fake.baseUrl() + path).build()).execute();
    }

    static Response post(String path, String body) throws IOException {
        return http.newCall(new Request.Builder().url(fake.baseUrl() + path)
                .post(RequestBody.create(body, MediaType.get("application/json"))).build()).execute();
    }

    static Response upload(String name, byte[] bytes, String... form) throws IOException {
        MultipartBody.Builder b = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("image", name, RequestBody.create(bytes, MediaType.get("image/png")));
        for (int i = 0; i < form.length; i += 2) {
            b.addFormDataPart(form[i], form[i + 1]);
        }
        return http.newCall(new Request.Builder().url(fake.baseUrl() + "/upload/image").post(b.build()).build())
                .execute();
    }

    @Test
    void uploadDeduplicatesByContentAndRenamesOnConflict() throws IOException {
        byte[] png = HttpRoutesTest.class.getResourceAsStream("/io/comfyrun/fake/tiny.png").readAllBytes();
        try (Response r = upload("tiny.png", png)) {
            assertThat(r.body().string()).isEqualTo("{\"name\": \"tiny.png\", \"subfolder\": \"\", \"type\": \"input\"}");
        }
        try (Response r = upload("tiny.png", png)) {
            assertThat(PythonJson.parse(r.body().string()).get("name").asText()).isEqualTo("tiny.png");
        }
        try (Response r = upload("tiny.png", new byte[] {1, 2, 3})) {
            assertThat(PythonJson.parse(r.body().string()).get("name").asText()).isEqualTo("tiny (1).png");
        }
        try (Response r = upload("tiny.png", png, "subfolder", "sub", "type", "temp")) {
            JsonNode j = PythonJson.parse(r.body().string());
            assertThat(j.get("subfolder").asText()).isEqualTo("sub");
            assertThat(j.get("type").asText()).isEqualTo("temp");
        }
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + "/upload/image")
                .post(new MultipartBody.Builder().setType(MultipartBody.FORM).addFormDataPart("x", "y").build())
                .build()).execute()) {
            assertThat(r.code()).isEqualTo(400);
        }
        try (Response r = get("/view?filename=tiny.png&type=input")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().bytes()).isEqualTo(png);
        }
        assertThat(Files.exists(fake.fake().dataDir().resolve("input/tiny.png"))).isTrue();
    }

    @Test
    void viewRules() throws IOException {
        try (Response r = get("/view?filename=../x.png")) {
            assertThat(r.code()).isEqualTo(400);
        }
        try (Response r = get("/view?filename=x.png&type=bogus")) {
            assertThat(r.code()).isEqualTo(400);
        }
        try (Response r = get("/view?filename=x.png&subfolder=../../etc")) {
            assertThat(r.code()).isEqualTo(403);
        }
        try (Response r = get("/view?filename=nosuch.png&type=output")) {
            assertThat(r.code()).isEqualTo(404);
        }
        try (Response r = get("/view")) {
            assertThat(r.code()).isEqualTo(404);
        }
    }

    @Test
    void validationErrorsNumbersAndQuirks() throws IOException {
        try (Response r = post("/prompt", "{}")) {
            assertThat(r.code()).isEqualTo(400);
            assertThat(PythonJson.parse(r.body().string()).path("error").path("type").asText()).isEqualTo("no_prompt");
        }
        try (Response r = post("/prompt", "{not json")) {
            assertThat(r.code()).isEqualTo(500);
            assertThat(r.body().string()).isEqualTo("500 Internal Server Error\n\nServer got itself in trouble");
        }
        try (Response r = post("/prompt", "{\"prompt\": {\"1\": {\"class_type\": \"Nope\", \"inputs\": {}}}}")) {
            assertThat(r.code()).isEqualTo(400);
        }
        String graph = Txt2ImgTest.GRAPH.formatted(5, 1);
        long n1;
        try (Response r = post("/api/prompt", "{\"prompt\": " + graph + ", \"prompt_id\": \"mine-1\"}")) {
            JsonNode j = PythonJson.parse(r.body().string());
            assertThat(j.get("prompt_id").asText()).isEqualTo("mine-1");
            assertThat(j.get("number").isIntegralNumber()).isTrue();
            n1 = j.get("number").asLong();
        }
        try (Response r = post("/prompt", "{\"prompt\": " + graph + ", \"number\": 3}")) {
            assertThat(PythonJson.parse(r.body().string()).get("number").isDouble()).isTrue();
        }
        try (Response r = post("/prompt", "{\"prompt\": " + graph + ", \"front\": true}")) {
            assertThat(PythonJson.parse(r.body().string()).get("number").asLong()).isEqualTo(-(n1 + 1));
        }
        try (Response r = get("/history?max_items=abc")) {
            assertThat(r.code()).isEqualTo(500);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Response r = get("/history/mine-1")) {
                return PythonJson.parse(r.body().string()).has("mine-1");
            }
        });
        try (Response r = get("/object_info/KSampler")) {
            assertThat(PythonJson.parse(r.body().string()).path("KSampler").path("input").has("required")).isTrue();
        }
        try (Response r = get("/api/object_info/NoSuchNode")) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.body().string()).isEqualTo("{}");
        }
        try (Response r = get("/models/checkpoints")) {
            assertThat(r.body().string()).isEqualTo("[\"fake_sd15_random.safetensors\"]");
        }
        try (Response r = get("/models/nosuchfolder")) {
            assertThat(r.code()).isEqualTo(404);
        }
        try (Response r = get("/ws")) {
            assertThat(r.code()).isEqualTo(400);
        }
        try (Response r = http.newCall(new Request.Builder().url(fake.baseUrl() + "/prompt")
                .header("Origin", "http://evil.example").build()).execute()) {
            assertThat(r.code()).isEqualTo(403);
        }
        assertThat(fake.journal().requests("POST", "/prompt")).hasSize(6);
    }
}
