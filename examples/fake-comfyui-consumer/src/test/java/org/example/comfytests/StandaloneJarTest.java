package org.example.comfytests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comfyrun.fake.testcontainers.FakeComfyUIImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mode 2: {@code java -jar fake-comfyui-<version>-standalone.jar}, the jar resolved by Maven from its coordinates
 * (the test dependency with classifier {@code standalone}); scripted over the admin API, as from any language.
 */
class StandaloneJarTest {

    static Process server;
    static String baseUrl;

    @BeforeAll
    static void startJar() throws Exception {
        Path jar = FakeComfyUIImage.locateJar(); // the standalone artifact on the test class path
        server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--port", "0", "--time-scale", "200").redirectErrorStream(true).start();
        CompletableFuture<String> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.startsWith("fake-comfyui listening on ")) {
                        listening.complete(line.substring("fake-comfyui listening on ".length()).trim());
                    }
                }
                listening.completeExceptionally(new IllegalStateException("the jar exited before listening"));
            } catch (Exception e) {
                listening.completeExceptionally(e);
            }
        }, "fake-comfyui-stdout");
        reader.setDaemon(true);
        reader.start();
        baseUrl = listening.get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopJar() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void txt2imgAgainstTheJar() throws Exception {
        MyComfyClient.Run run = new MyComfyClient(baseUrl).run(Workflows.txt2img());
        assertEquals("execution_success", run.outcome(), run.messageTypes().toString());
        assertTrue(Workflows.isPng(run.images().get(0)));
    }

    @Test
    void aFaultInstalledOverTheAdminApi() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> installed = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/__fake/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\": \"execution_error\", \"trigger\": "
                        + "{\"node_id\": \"3\"}, \"exception_message\": \"boom\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, installed.statusCode(), installed.body());
        MyComfyClient.Run run = new MyComfyClient(baseUrl).run(Workflows.txt2img().replace("31337", "4242"));
        assertEquals("execution_error", run.outcome());
        HttpResponse<String> typo = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/__fake/faults"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"kind\": \"http_status\", \"statuss\": 502}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, typo.statusCode(), "a misspelt field is refused: " + typo.body());
    }
}
