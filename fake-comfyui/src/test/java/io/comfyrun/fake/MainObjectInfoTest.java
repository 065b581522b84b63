package io.comfyrun.fake;

import static org.assertj.core.api.Assertions.assertThat;

import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.json.PythonJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code java -jar fake-comfyui.jar --object-info FILE}, run as a process from this module's class path. */
class MainObjectInfoTest {

    static Process main(Path dir, String... args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    static CompletableFuture<String> firstLine(Process p, StringBuilder all) {
        CompletableFuture<String> listening = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    all.append(line).append('\n');
                    if (line.startsWith("fake-comfyui listening on ")) {
                        listening.complete(line.substring("fake-comfyui listening on ".length()).trim());
                    } else if (line.startsWith("fake-comfyui recording on ")) {
                        listening.complete(line.substring("fake-comfyui recording on ".length()).split(" ")[0]);
                    }
                }
                listening.complete(null);
            } catch (IOException e) {
                listening.completeExceptionally(e);
            }
        }, "main-stdout");
        t.setDaemon(true);
        t.start();
        return listening;
    }

    @Test
    void theJarServesTheCustomNodesOfASavedObjectInfo(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("object_info.json");
        Files.writeString(file, PythonJson.write(NodeCatalog.sampleCustomNodePacks()));
        Process p = main(dir, "--port", "0", "--object-info", file.toString());
        try {
            StringBuilder out = new StringBuilder();
            String base = firstLine(p, out).get(60, TimeUnit.SECONDS);
            assertThat(base).as(out.toString()).isNotNull();
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                    + "/object_info/ImageResize%2B")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(PythonJson.parse(body).path("ImageResize+").path("category").asText())
                    .isEqualTo("essentials/image manipulation");
        } finally {
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void theRecordCommandProxiesAnUpstreamAndWritesItsObjectInfoToTheSession(@TempDir Path dir) throws Exception {
        Path session = dir.resolve("session.json");
        try (FakeComfyUI upstream = FakeComfyUI.builder().port(0).start()) {
            Process p = main(dir, "record", "--upstream", upstream.baseUrl().toString(), "--out", session.toString(),
                    "--port", "0");
            try {
                StringBuilder out = new StringBuilder();
                String proxy = firstLine(p, out).get(60, TimeUnit.SECONDS);
                assertThat(proxy).as(out.toString()).startsWith("http://127.0.0.1:");
                String stats = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(proxy
                        + "/system_stats")).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(PythonJson.parse(stats).path("system").path("comfyui_version").asText())
                        .as("answered by the upstream through the proxy").isEqualTo("0.3.64");
                assertThat(PythonJson.parse(Files.readString(session)).path("object_info").has("KSampler")).isTrue();
            } finally {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aMalformedObjectInfoFileStopsTheJarNamingTheFileAndTheClass(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("broken.json");
        Files.writeString(file, "{\"MyNode\": {\"input\": {\"required\": {}}, \"output\": \"IMAGE\"}}");
        Process p = main(dir, "--port", "0", "--object-info", file.toString());
        StringBuilder out = new StringBuilder();
        CompletableFuture<String> line = firstLine(p, out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(line.get(10, TimeUnit.SECONDS)).as("never listened").isNull();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out.toString()).contains("object_info file " + file)
                .contains("object_info class \"MyNode\": \"output\" must be the list of its return types");
    }
}
