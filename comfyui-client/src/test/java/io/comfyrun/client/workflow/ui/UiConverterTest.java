package io.comfyrun.client.workflow.ui;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.workflow.Workflow;
import io.comfyrun.client.workflow.WorkflowOverrides;
import io.comfyrun.fake.catalog.NodeCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each fixture is a UI graph written here and the API prompt the editor sends for it, worked out from the editor's
 * conversion rules (graphToPrompt). The catalogue is ComfyUI 0.3.64's {@code /object_info} as the fake serves it,
 * plus a few custom classes ({@code custom_object_info.json}).
 */
class UiConverterTest {

    static final String DIR = "/io/comfyrun/client/workflow/ui/";

    static JsonNode resource(String name) {
        try (InputStream in = UiConverterTest.class.getResourceAsStream(DIR + name)) {
            assertThat(in).as(name).isNotNull();
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static NodeCatalogue catalogue() {
        ObjectNode info = NodeCatalog.core().objectInfoAll();
        info.setAll((ObjectNode) resource("custom_object_info.json"));
        return NodeCatalogue.parse(info, "http://gpu-1:8188");
    }

    static ConvertedWorkflow convert(String fixture) {
        return UiConverter.convert(resource(fixture + ".ui.json"), catalogue(), fixture + ".ui.json");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"widgets-in-order", "control-after-generate", "converted-widget-link", "object-widgets",
            "reroute-chain", "primitive-node", "muted-nodes", "bypassed-nodes", "notes", "subgraph", "nested-subgraphs", "group-node"})
    void convertsAsTheEditorDoes(String fixture) {
        ObjectNode prompt = convert(fixture).prompt();
        assertThat(prompt).as(fixture).isEqualTo(resource(fixture + ".api.json"));
    }

    @Test
    void theCataloguePutsCompanionSlotsWhereTheEditorDoes() {
        NodeCatalogue c = catalogue();
        assertThat(c.find("KSampler").orElseThrow().widgets()).extracting(NodeClass.Widget::name, NodeClass.Widget::slots)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("seed", 2), org.assertj.core.groups.Tuple.tuple("steps", 1),
                        org.assertj.core.groups.Tuple.tuple("cfg", 1), org.assertj.core.groups.Tuple.tuple("sampler_name", 1),
                        org.assertj.core.groups.Tuple.tuple("scheduler", 1), org.assertj.core.groups.Tuple.tuple("denoise", 1));
        // LoadImage's upload button is saved as a second value ("image") after the file name
        assertThat(c.find("LoadImage").orElseThrow().widgetSlots()).isEqualTo(2);
        assertThat(c.find("LoadVideoFrames").orElseThrow().widget("meta_batch")).as("forceInput is a socket").isEmpty();
    }

    @Test
    void theUiGraphGoesIntoExtraPngInfoAsTheEditorSendsIt() {
        ConvertedWorkflow c = convert("widgets-in-order");
        assertThat(c.extraData().path("extra_pnginfo").path("workflow")).isEqualTo(resource("widgets-in-order.ui.json"));
        assertThat(c.catalogueSource()).isEqualTo("http://gpu-1:8188");
    }

    @Test
    void overridesByTitleUseTheEditorsTitles() {
        Workflow wf = Workflow.fromJson(convert("widgets-in-order").prompt(), "widgets-in-order.ui.json")
                .with(WorkflowOverrides.parse(List.of("\"Positive Prompt\".text=a red fox", "KSampler.seed=7")));
        assertThat(wf.node("6").orElseThrow().inputs().get("text").asText()).isEqualTo("a red fox");
        assertThat(wf.node("3").orElseThrow().inputs().get("seed").asLong()).isEqualTo(7);
    }

    @Test
    void aClassTheServerLacksIsNamedWithTheServer() {
        UnknownNodeClassException e = catchThrowableOfType(() -> convert("error-unknown-class"),
                UnknownNodeClassException.class);
        assertThat(e.getMessage()).isEqualTo("error-unknown-class.ui.json: node 16 \"Upscaler\" (UltimateSDUpscale) is not"
                + " installed on http://gpu-1:8188 (its /object_info has no class \"UltimateSDUpscale\"); install the custom"
                + " node there, or run on a server that has it");
        assertThat(List.of(e.nodeId(), e.title(), e.classType())).containsExactly("16", "Upscaler", "UltimateSDUpscale");
    }

    @Test
    void aWidgetCountThatDoesNotFitIsAnErrorNotAGuess() {
        WidgetMismatchException e = catchThrowableOfType(() -> convert("error-widget-count"), WidgetMismatchException.class);
        assertThat(e.getMessage()).startsWith("error-widget-count.ui.json: node 3 (KSampler) has 8 widget values but class"
                        + " KSampler on http://gpu-1:8188 declares 7")
                .contains("seed (+1 companion), steps, cfg, sampler_name, scheduler, denoise");
        assertThat(e.nodeId()).isEqualTo("3");
    }

    @Test
    void valuesThatDoNotLineUpAreAnErrorEvenWhenTheCountFits() {
        WidgetMismatchException e = catchThrowableOfType(() -> convert("error-widget-misaligned"), WidgetMismatchException.class);
        assertThat(e.getMessage()).isEqualTo("error-widget-misaligned.ui.json: node 3 (KSampler) has widget values that do"
                + " not line up with class KSampler on http://gpu-1:8188: value 1 is 20 where the editor keeps the"
                + " control-after-generate mode of 'seed' (fixed, increment, decrement or randomize); expected widgets:"
                + " seed (+1 companion), steps, cfg, sampler_name, scheduler, denoise; open and save the workflow in an"
                + " editor connected to that server");
    }

    @Test
    void aDanglingLinkNamesTheNodeAndInput() {
        UiConversionException e = catchThrowableOfType(() -> convert("error-dangling-link"), UiConversionException.class);
        assertThat(e.getMessage()).isEqualTo("error-dangling-link.ui.json: node 8 (VAEDecode) input 'vae' is connected by"
                + " link 99, which is not in the workflow's links (a dangling link); reconnect or remove it in the editor");
    }

    @Test
    void aGroupNodeBeyondTheSupportedLayoutIsRefusedWithTheWayOut() {
        UiConversionException e = catchThrowableOfType(() -> convert("error-group-node"), UiConversionException.class);
        assertThat(e.getMessage()).isEqualTo("error-group-node.ui.json: node 17 (workflow>Upscale group) is a legacy group"
                + " node that holds a PrimitiveNode inside its group, which comfyRun does not expand; in the editor"
                + " right-click it and choose Convert to Subgraph (or Ungroup), then save again");
    }

    @Test
    void anUnknownClassRefetchesTheCatalogueOnceThenConverts() throws IOException {
        NodeCatalogue withoutCustom = NodeCatalogue.parse(NodeCatalog.core().objectInfoAll(), "http://gpu-1:8188");
        AtomicInteger fetches = new AtomicInteger();
        NodeCatalogueSource server = new NodeCatalogueSource() {
            @Override
            public NodeCatalogue catalogue() {
                fetches.incrementAndGet();
                return withoutCustom; // fetched before the custom pack was installed
            }

            @Override
            public NodeCatalogue refetch() {
                fetches.incrementAndGet();
                return catalogue();
            }
        };
        LoadedWorkflow w = LoadedWorkflow.fromUi(resource("converted-widget-link.ui.json"), "f.json", new NodeCatalogueSource() {
            int calls;

            @Override
            public NodeCatalogue catalogue() {
                calls++;
                return withoutCustom;
            }

            @Override
            public NodeCatalogue refetch() {
                calls++;
                return UiConverterTest.catalogue();
            }
        });
        assertThat(w.format()).isEqualTo(WorkflowFormat.UI);
        assertThat(w.workflow().toJson()).isEqualTo(resource("converted-widget-link.api.json"));
        assertThat(w.describe()).isEqualTo("converted from UI format with the node catalogue of http://gpu-1:8188");
        // a server that still lacks the class after the refetch: the error stands
        assertThat(catchThrowableOfType(() -> LoadedWorkflow.fromUi(resource("error-unknown-class.ui.json"), "f.json", server),
                UnknownNodeClassException.class)).isNotNull();
        assertThat(fetches.get()).as("first fetch + one refetch").isEqualTo(3);
    }

    @Test
    void aCatalogueFetchedBeforeTheServerChangedIsFetchedAgainOnAWidgetMismatch() throws IOException {
        ObjectNode old = NodeCatalog.core().objectInfoAll();
        // before the server declared KSampler's seed with a control-after-generate companion
        ((ObjectNode) old.at("/KSampler/input/required/seed/1")).put("control_after_generate", false);
        NodeCatalogue stale = NodeCatalogue.parse(old, "http://gpu-1:8188");
        assertThat(catchThrowableOfType(() -> UiConverter.convert(resource("widgets-in-order.ui.json"), stale, "f.json"),
                WidgetMismatchException.class)).isNotNull();
        AtomicInteger refetches = new AtomicInteger();
        LoadedWorkflow w = LoadedWorkflow.fromUi(resource("widgets-in-order.ui.json"), "f.json", new NodeCatalogueSource() {
            @Override
            public NodeCatalogue catalogue() {
                return stale;
            }

            @Override
            public NodeCatalogue refetch() {
                refetches.incrementAndGet();
                return UiConverterTest.catalogue();
            }
        });
        assertThat(refetches.get()).isEqualTo(1);
        assertThat(w.workflow().toJson()).isEqualTo(resource("widgets-in-order.api.json"));
    }

    @Test
    void apiFormatPassesThroughWithoutAskingForACatalogue() throws IOException {
        String api = resource("widgets-in-order.api.json").toString();
        LoadedWorkflow w = LoadedWorkflow.parse(api, "api.json", null);
        assertThat(w.format()).isEqualTo(WorkflowFormat.API);
        assertThat(w.extraData()).isNull();
        assertThat(w.describe()).isEqualTo("API format");
    }
}
