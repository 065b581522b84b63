package io.comfyrun.fake.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.utility.DockerImageName;

/**
 * The fake in a container, driven over the real wire from this JVM. One container is shared by the
 * tests (the image is built once per jar and cached), so the class stays fast.
 *
 * <p>Needs a Docker engine; without one it fails (not skips) with a message saying so, because in CI
 * here a missing engine is a broken setup, not a reason to go green.
 */
class FakeComfyUIContainerTest {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static FakeComfyUIContainer fake;

    /** One custom node class in its /object_info shape. */
    static final String CUSTOM_NODE = "{\"Seed (rgthree)\": {\"input\": {\"required\": {\"seed\": [\"INT\", "
            + "{\"default\": 0, \"min\": -1125899906842624, \"max\": 1125899906842624}]}}, \"output\": [\"INT\"], "
            + "\"output_is_list\": [false], \"output_name\": [\"SEED\"], \"name\": \"Seed (rgthree)\", "
            + "\"category\": \"rgthree\", \"output_node\": false}}";

    @BeforeAll
    static void startFake() {
        requireDocker();
        long started = System.nanoTime();
        fake = new FakeComfyUIContainer(FakeComfyUIImage.locateJar()).withTimeScale(50).withSeed(42)
                .withObjectInfo(CUSTOM_NODE);
        fake.start();
        // Evidence for the docs, not an assertion: includes the image build when the jar changed.
        System.out.printf("fake-comfyui container %s ready at %s after %d ms%n", fake.getDockerImageName(),
                fake.getBaseUrl(), (System.nanoTime() - started) / 1_000_000);
    }

    @AfterAll
    static void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    static void requireDocker() {
        assertThat(DockerClientFactory.instance().isDockerAvailable())
                .as("no Docker engine answers: the container tests need one (start dockerd, or run .ci/run which "
                        + "installs and starts it); TESTCONTAINERS_RYUK_DISABLED=true and "
                        + "TESTCONTAINERS_HOST_OVERRIDE=localhost must be set when no registry is reachable")
                .isTrue();
    }

    @Test
    void txt2imgRunsToTheEndOverHttpAndWebSocket() throws Exception {
        String clientId = "container-test-" + UUID.randomUUID();
        try (ComfyWire wire = new ComfyWire(fake.getBaseUrl()).connect(fake.getWebSocketUrl(clientId))) {
            await().atMost(ComfyWire.TIMEOUT).until(() -> wire.types().contains("status"));

            ObjectNode body = ComfyWire.JSON.createObjectNode();
            body.set("prompt", txt2img());
            body.put("client_id", clientId);
            HttpResponse<String> posted = wire.post("/prompt", body.toString());
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
            String promptId = ComfyWire.JSON.readTree(posted.body()).path("prompt_id").asText();
            assertThat(promptId).isNotBlank();

            // The run is over when the bare executing (node null) for this prompt arrives.
            await().atMost(ComfyWire.TIMEOUT).until(() -> wire.messages.stream().anyMatch(m ->
                    m.path("type").asText().equals("executing")
                            && m.path("data").path("node").isNull()
                            && promptId.equals(m.path("data").path("prompt_id").asText())));

            List<String> ours = wire.messages.stream()
                    .filter(m -> promptId.equals(m.path("data").path("prompt_id").asText()))
                    .map(m -> m.path("type").asText())
                    .toList();
            assertThat(ours.get(0)).isEqualTo("execution_start");
            assertThat(ours).contains("execution_cached", "executing", "progress", "executed");
            assertThat(ours.subList(ours.size() - 2, ours.size())).containsExactly("execution_success", "executing");

            JsonNode history = wire.getJson("/history/" + promptId).path(promptId);
            assertThat(history.path("status").path("status_str").asText()).isEqualTo("success");
            JsonNode image = history.path("outputs").path("9").path("images").path(0);
            assertThat(image.path("filename").asText()).endsWith(".png");

            HttpResponse<byte[]> view = wire.getBytes("/view?filename="
                    + URLEncoder.encode(image.path("filename").asText(), StandardCharsets.UTF_8)
                    + "&subfolder=" + URLEncoder.encode(image.path("subfolder").asText(), StandardCharsets.UTF_8)
                    + "&type=" + image.path("type").asText());
            assertThat(view.statusCode()).isEqualTo(200);
            assertThat(view.body()).startsWith(PNG_SIGNATURE);
        }
    }

    @Test
    void faultsInjectedThroughTheAdminApiHitTheWireAndTheJournal() throws Exception {
        try (ComfyWire wire = new ComfyWire(fake.getBaseUrl())) {
            HttpResponse<String> installed = wire.post(FakeComfyUIContainer.ADMIN_PREFIX + "/faults",
                    "{\"kind\": \"http_status\", \"status\": 503, \"times\": 1,"
                            + " \"trigger\": {\"route\": \"/queue\", \"method\": \"GET\"}}");
            assertThat(installed.statusCode()).as(installed.body()).isEqualTo(200);

            assertThat(wire.get("/queue").statusCode()).isEqualTo(503);
            assertThat(wire.get("/api/queue").statusCode()).as("one-shot fault, already spent").isEqualTo(200);

            JsonNode faults = wire.getJson(FakeComfyUIContainer.ADMIN_PREFIX + "/journal?kind=FAULT").path("entries");
            assertThat(faults).as("the injected fault is journaled").isNotEmpty();
            assertThat(faults.toString()).contains("/queue");
        }
    }

    @Test
    void anImageGivenByNameIsUsedAsIsAndReceivesTheScenario() throws Exception {
        // The image the default constructor built, now named explicitly like a pulled or self-built one.
        String builtImage = fake.getDockerImageName();
        try (FakeComfyUIContainer byName = new FakeComfyUIContainer(DockerImageName.parse(builtImage))
                .withScenario("{\"time_scale\": 7, \"seed\": 1234}")) {
            byName.start();
            try (ComfyWire wire = new ComfyWire(byName.getBaseUrl())) {
                assertThat(wire.getJson("/system_stats").path("system").isObject()).isTrue();
                JsonNode scenario = wire.getJson(FakeComfyUIContainer.ADMIN_PREFIX + "/scenario");
                assertThat(scenario.path("time_scale").asDouble()).isEqualTo(7.0);
                assertThat(scenario.path("seed").asLong()).isEqualTo(1234L);
            }
        }
    }

    @Test
    void commandLineOptionsReachTheServer() throws Exception {
        try (ComfyWire wire = new ComfyWire(fake.getBaseUrl())) {
            JsonNode scenario = wire.getJson(FakeComfyUIContainer.ADMIN_PREFIX + "/scenario");
            assertThat(scenario.path("time_scale").asDouble()).isEqualTo(50.0);
            assertThat(scenario.path("seed").asLong()).isEqualTo(42L);
        }
    }

    @Test
    void versionBasePathAndRequiredAuthOptionsShapeTheContainer() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (FakeComfyUIContainer proxied = new FakeComfyUIContainer(FakeComfyUIImage.locateJar())
                .withComfyUIVersion("0.3.44").withBasePath("/comfy").withRequiredAuth("Bearer t0ken-for-the-test")) {
            proxied.start();
            assertThat(proxied.getBaseUrl()).endsWith("/comfy");
            URI stats = URI.create(proxied.getBaseUrl() + "/system_stats");
            var anonymous = http.send(HttpRequest.newBuilder(stats).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(anonymous.statusCode()).isEqualTo(401);
            var authorised = http.send(HttpRequest.newBuilder(stats)
                    .header("Authorization", "Bearer t0ken-for-the-test").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(authorised.statusCode()).isEqualTo(200);
            assertThat(authorised.body()).contains("0.3.44");
            // Behind the base path only: the root is not ComfyUI any more.
            var root = http.send(HttpRequest.newBuilder(URI.create(
                    proxied.getBaseUrl().replace("/comfy", "") + "/system_stats"))
                    .header("Authorization", "Bearer t0ken-for-the-test").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(root.statusCode()).isEqualTo(404);
            // The secret went in through the environment: not on the command line, not in the journal.
            assertThat(String.join(" ", proxied.getCommandParts())).doesNotContain("t0ken-for-the-test");
            var journal = http.send(HttpRequest.newBuilder(URI.create(
                    proxied.getAdminUrl() + "/journal")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(journal.statusCode()).isEqualTo(200);
            assertThat(journal.body()).doesNotContain("t0ken-for-the-test");
        }
    }

    @Test
    void badOptionsAreRefusedNamingThem() {
        assertThatThrownBy(() -> new FakeComfyUIContainer(FakeComfyUIImage.locateJar()).withBasePath("comfy/"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("comfy/");
        assertThatThrownBy(() -> new FakeComfyUIContainer(FakeComfyUIImage.locateJar()).withComfyUIVersion("latest"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("latest");
    }

    @Test
    void anUnrelatedImageNameIsRefusedUnlessDeclaredCompatible() {
        assertThatThrownBy(() -> new FakeComfyUIContainer("nginx:1.27"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("fake-comfyui");
        // Declared as a substitute, it is accepted (not started here: nothing to pull it from).
        new FakeComfyUIContainer(DockerImageName.parse("me/my-fake:1").asCompatibleSubstituteFor("fake-comfyui"))
                .close();
    }

    @Test
    void aSavedObjectInfoGivenToTheContainerAddsItsCustomNodes() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(fake.getBaseUrl() + "/object_info/Seed%20(rgthree)")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode entry = ComfyWire.JSON.readTree(r.body()).path("Seed (rgthree)");
        assertThat(entry.path("output_name").get(0).asText()).isEqualTo("SEED");
    }

    @Test
    void aMissingJarIsReportedWithWhatToDo() {
        Path missing = Path.of("does-not-exist", "fake-comfyui.jar");
        assertThatThrownBy(() -> FakeComfyUIImage.build(missing))
                .isInstanceOf(FakeComfyUIImageException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("mvn -B -pl fake-comfyui package");
    }

    static ObjectNode txt2img() throws IOException {
        try (InputStream in = FakeComfyUIContainerTest.class.getResourceAsStream("/txt2img.json")) {
            return (ObjectNode) ComfyWire.JSON.readTree(in);
        }
    }
}
