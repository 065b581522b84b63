package io.comfyrun.fake.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.FakeComfyUI;
import io.comfyrun.fake.json.PythonJson;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A server given a saved /object_info with custom node packs (the hand-written sample of three packs) lists their
 * classes, validates prompts using them exactly as it validates core nodes, and runs them generically.
 */
class CustomNodesTest {

    static FakeComfyUI fake;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        fake = FakeComfyUI.builder().port(0).timeScale(500).objectInfo(NodeCatalog.sampleCustomNodePacks()).start();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    static HttpResponse<byte[]> send(String method, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(fake.baseUrl() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(String method, String path, String body) throws IOException, InterruptedException {
        return PythonJson.parse(send(method, path, body).body());
    }

    /** Core EmptyImage, resized by ComfyUI_essentials, compared by rgthree, a seed node and a pysssss text node. */
    static final String WORKFLOW = """
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
             "2": {"class_type": "ImageResize+", "inputs": {"image": ["1", 0], "width": %s, "height": 80,
                   "interpolation": "bicubic", "method": "%s", "condition": "always", "multiple_of": 0}},
             "3": {"class_type": "Image Comparer (rgthree)", "inputs": {"image_a": ["2", 0], "image_b": ["1", 0]}},
             "4": {"class_type": "Seed (rgthree)", "inputs": {"seed": 12345}},
             "5": {"class_type": "StringFunction|pysssss", "inputs": {"action": "append", "tidy_tags": "yes",
                   "text_a": "a cat", "text_b": "on a mat"}},
             "6": {"class_type": "ShowText|pysssss", "inputs": {"text": ["5", 0]}},
             "7": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "custom"}}}
            """;

    static JsonNode post(String workflow) throws IOException, InterruptedException {
        return json("POST", "/prompt", "{\"prompt\": " + workflow + "}");
    }

    @Test
    void importedClassesAreListedAsTheirSavedEntries() throws Exception {
        JsonNode all = json("GET", "/object_info", null);
        JsonNode saved = NodeCatalog.sampleCustomNodePacks();
        for (String cls : new String[] {"ImageResize+", "Seed (rgthree)", "ShowText|pysssss"}) {
            assertThat(all.get(cls)).as(cls).isEqualTo(saved.get(cls));
        }
        assertThat(all.has("KSampler")).as("core classes stay").isTrue();
        assertThat(json("GET", "/object_info/Image%20Comparer%20(rgthree)", null).path("Image Comparer (rgthree)")
                .path("output_node").asBoolean()).isTrue();
    }

    @Test
    void customNodesAreValidatedLikeCoreOnes() throws Exception {
        // as in ComfyUI, the outputs that do not depend on the bad node (the text nodes) still run
        JsonNode tooWide = post(WORKFLOW.formatted("99999", "stretch"));
        assertThat(tooWide.path("node_errors").path("2").path("dependent_outputs")).hasSize(2);
        JsonNode err = tooWide.path("node_errors").path("2").path("errors").get(0);
        assertThat(err.path("type").asText()).isEqualTo("value_bigger_than_max");
        assertThat(err.path("message").asText()).isEqualTo("Value 99999 bigger than max of 16384");
        assertThat(err.path("details").asText()).isEqualTo("width");

        JsonNode badOption = post(WORKFLOW.formatted("96", "squash"));
        JsonNode optErr = badOption.path("node_errors").path("2").path("errors").get(0);
        assertThat(optErr.path("type").asText()).isEqualTo("value_not_in_list");
        assertThat(optErr.path("details").asText()).startsWith("method: 'squash' not in ");

        ObjectNode missing = (ObjectNode) PythonJson.parse(WORKFLOW.formatted("96", "stretch"));
        ((ObjectNode) missing.path("2").path("inputs")).remove("condition");
        JsonNode missingErr = post(PythonJson.write(missing)).path("node_errors").path("2").path("errors").get(0);
        assertThat(missingErr.path("type").asText()).isEqualTo("required_input_missing");
        assertThat(missingErr.path("details").asText()).isEqualTo("condition");

        ObjectNode wrongType = (ObjectNode) PythonJson.parse(WORKFLOW.formatted("96", "stretch"));
        ((ObjectNode) wrongType.path("2").path("inputs")).set("image", PythonJson.parse("[\"4\", 0]"));
        JsonNode typeErr = post(PythonJson.write(wrongType)).path("node_errors").path("2").path("errors").get(0);
        assertThat(typeErr.path("type").asText()).isEqualTo("return_type_mismatch");
    }

    @Test
    void customNodesRunGenericallyImageOutputsArePngsAndOutputNodesWriteFiles() throws Exception {
        JsonNode queued = post(WORKFLOW.formatted("96", "stretch"));
        String id = queued.path("prompt_id").asText();
        assertThat(id).as(queued.toString()).isNotEmpty();
        await().atMost(Duration.ofSeconds(20)).until(() -> json("GET", "/history/" + id, null).path(id)
                .path("status").path("completed").isBoolean());
        JsonNode entry = json("GET", "/history/" + id, null).path(id);
        assertThat(entry.path("status").path("status_str").asText()).isEqualTo("success");
        JsonNode compared = entry.path("outputs").path("3").path("images").get(0);
        assertThat(compared.path("type").asText()).as("a preview-like output node writes temp files").isEqualTo("temp");
        JsonNode saved = entry.path("outputs").path("7").path("images").get(0);
        byte[] png = send("GET", "/view?filename=" + saved.path("filename").asText() + "&type=output", null).body();
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image.getWidth()).as("sized by the custom resize node's inputs").isEqualTo(96);
        assertThat(image.getHeight()).isEqualTo(80);
    }

    @Test
    void theAdminRouteImportsAClassAndAMalformedEntryImportsNothing() throws Exception {
        String entry = "{\"MyUpscale|mine\": {\"input\": {\"required\": {\"image\": [\"IMAGE\"], \"factor\": [\"FLOAT\","
                + " {\"default\": 2.0, \"min\": 1.0, \"max\": 4.0}]}}, \"output\": [\"IMAGE\"], \"output_node\": false,"
                + " \"name\": \"MyUpscale|mine\", \"category\": \"mine\"}}";
        HttpResponse<byte[]> r = send("POST", "/__fake/object_info", entry);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(PythonJson.parse(r.body()).path("imported").get(0).asText()).isEqualTo("MyUpscale|mine");
        assertThat(json("GET", "/object_info/MyUpscale%7Cmine", null).has("MyUpscale|mine")).isTrue();
        assertThat(fake.catalog().find("MyUpscale|mine").orElseThrow().behaviour()).isEqualTo(NodeBehaviour.IMAGE_OP);

        HttpResponse<byte[]> bad = send("POST", "/__fake/object_info", "{\"Fine\": {\"input\": {\"required\": {}},"
                + " \"output\": []}, \"Broken\": {\"input\": {\"required\": {\"x\": \"INT\"}}, \"output\": []}}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(PythonJson.parse(bad.body()).path("error").asText())
                .isEqualTo("object_info class \"Broken\": input \"x\" must be [TYPE or [options], {options}], got: \"INT\"");
        assertThat(fake.catalog().find("Fine")).as("nothing of a bad answer is imported").isEmpty();
    }

    @Test
    void theBuilderChecksTheCatalogueWhereItIsGiven() {
        assertThatThrownBy(() -> FakeComfyUI.builder().objectInfo(PythonJson.parse("{\"X\": {\"output\": []}}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("object_info class \"X\": \"input\" must be an object");
    }

    @Test
    void behavioursAreInferredFromTheDeclaration() {
        JsonNode saved = NodeCatalog.sampleCustomNodePacks();
        assertThat(NodeCatalog.behaviourFor((ObjectNode) saved.get("Image Comparer (rgthree)")))
                .isEqualTo(NodeBehaviour.PREVIEW_IMAGE);
        assertThat(NodeCatalog.behaviourFor((ObjectNode) saved.get("ImageResize+"))).isEqualTo(NodeBehaviour.IMAGE_OP);
        assertThat(NodeCatalog.behaviourFor((ObjectNode) saved.get("Seed (rgthree)"))).isEqualTo(NodeBehaviour.GENERIC);
    }
}
