package io.jenkins.plugins.comfyrun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/** Shared bits of the JenkinsRule tests: the example workflow and journal queries on the fake ComfyUI server. */
final class FakeServers {
    private FakeServers() {
    }

    static FakeComfyUI start() {
        return FakeComfyUI.builder().port(0).timeScale(50).seed(42).start();
    }

    /** The txt2img example workflow (API format), as a Groovy-safe single-quoted string literal. */
    static String txt2imgLiteral() {
        return literal("txt2img.json");
    }

    /** A workflow resource of this package as a Groovy-safe single-quoted string literal. */
    static String literal(String resource) {
        try (InputStream in = Objects.requireNonNull(FakeServers.class.getResourceAsStream(resource))) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return "'''" + json.replace("\\", "\\\\").replace("'''", "\\'\\'\\'") + "'''";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JournalEntry> posts(FakeComfyUI fake, String route) {
        return fake.journal().requests("POST", route);
    }

    /**
     * Whether the fake is executing this prompt right now, asked the way any client would ({@code GET /queue}, whose
     * {@code queue_running} rows are {@code [number, prompt_id, prompt, extra_data, outputs]}).
     */
    static boolean isRunning(FakeComfyUI fake, String promptId) throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(java.net.URI.create(fake.baseUrl() + "/queue")).timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> r = HTTP.send(get, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            return false;
        }
        for (JsonNode row : JSON.readTree(r.body()).path("queue_running")) {
            if (promptId.equals(row.path(1).asText())) {
                return true;
            }
        }
        return false;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
}
