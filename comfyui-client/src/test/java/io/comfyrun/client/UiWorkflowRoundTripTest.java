package io.comfyrun.client;

import static io.comfyrun.client.EngineFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.workflow.ui.LoadedWorkflow;
import io.comfyrun.client.workflow.ui.NodeCatalogueSource;
import io.comfyrun.client.workflow.ui.WorkflowFormat;
import io.comfyrun.fake.journal.JournalEntry;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An editor-saved workflow end to end: converted with the fake's own /object_info, submitted with the UI graph in
 * extra_pnginfo, run, and the output PNG read back: it carries the prompt that ran and the editor's workflow.
 */
class UiWorkflowRoundTripTest {

    final EngineFixture f = new EngineFixture();

    @AfterEach
    void tearDown() {
        f.close();
    }

    static String fixture(String name) throws IOException {
        try (InputStream in = UiWorkflowRoundTripTest.class.getResourceAsStream("/io/comfyrun/client/workflow/ui/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** tEXt chunks of a PNG by keyword, in file order. */
    static Map<String, String> textChunks(byte[] png) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(png));
        in.skipNBytes(8);
        Map<String, String> texts = new LinkedHashMap<>();
        while (in.available() > 0) {
            int length = in.readInt();
            String type = new String(in.readNBytes(4), StandardCharsets.US_ASCII);
            byte[] data = in.readNBytes(length);
            in.readInt();
            if ("tEXt".equals(type)) {
                int nul = 0;
                while (data[nul] != 0) {
                    nul++;
                }
                texts.put(new String(data, 0, nul, StandardCharsets.ISO_8859_1),
                        new String(data, nul + 1, data.length - nul - 1, StandardCharsets.ISO_8859_1));
            }
        }
        return texts;
    }

    @Test
    void anEditorSavedWorkflowRunsAndItsPngEmbedsPromptAndWorkflow() throws Exception {
        String ui = fixture("widgets-in-order.ui.json");
        NodeCatalogueSource catalogue = f.client.nodeCatalogue(f.server());
        LoadedWorkflow w = LoadedWorkflow.parse(ui, "txt2img.ui.json", catalogue);
        assertThat(w.format()).isEqualTo(WorkflowFormat.UI);
        assertThat(w.describe()).isEqualTo("converted from UI format with the node catalogue of " + f.fake.baseUrl());

        PromptResult r = await(f.client.submit(f.server(),
                PromptRequest.of(w.workflow().toJson()).withExtraData(w.extraData()), null));
        assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(r.nodes()).filteredOn(n -> n.id().equals("6")).singleElement()
                .satisfies(n -> assertThat(n.title()).isEqualTo("Positive Prompt"));

        // POST /prompt carried the UI graph as the editor sends it
        JsonNode body = Json.MAPPER.readTree(f.fake.journal().requests("POST", "/prompt").get(0).text());
        assertThat(body.path("extra_data").path("extra_pnginfo").path("workflow")).isEqualTo(Json.MAPPER.readTree(ui));

        OutputRef image = r.outputs().get(0);
        byte[] png;
        try (ViewResponse v = f.client.http(f.server()).view(image)) {
            png = v.body().readAllBytes();
        }
        Map<String, String> texts = textChunks(png);
        assertThat(texts.keySet()).containsExactly("prompt", "workflow");
        assertThat(Json.MAPPER.readTree(texts.get("workflow"))).isEqualTo(Json.MAPPER.readTree(ui));
        JsonNode embedded = Json.MAPPER.readTree(texts.get("prompt"));
        assertThat(embedded.path("3").path("inputs").path("seed").asLong()).isEqualTo(31337);
        assertThat(embedded.path("6").path("inputs").path("text").asText()).startsWith("a lighthouse");
        assertThat(embedded.path("3").path("inputs").path("model")).isEqualTo(Json.MAPPER.readTree("[\"4\", 0]"));

        // a second conversion for the same server uses the cached catalogue
        LoadedWorkflow.parse(fixture("notes.ui.json"), "notes.ui.json", f.client.nodeCatalogue(f.server()));
        assertThat(f.fake.journal().entries(e -> e.kind() == JournalEntry.Kind.HTTP_REQUEST
                && "/object_info".equals(e.path()))).hasSize(1);
    }
}
