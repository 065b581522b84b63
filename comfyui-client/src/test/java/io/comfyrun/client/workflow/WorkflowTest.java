package io.comfyrun.client.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowTest {

    static final String TXT2IMG = """
            {
              "3": {"class_type": "KSampler", "inputs": {"seed": 31337, "steps": 20, "cfg": 8.0, "sampler_name": "euler",
                    "scheduler": "normal", "denoise": 1.0, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
                    "latent_image": ["5", 0]}},
              "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
              "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
              "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a cat", "clip": ["4", 1]}, "_meta": {"title": "Positive Prompt"}},
              "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}, "_meta": {"title": "Negative Prompt"}},
              "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
              "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0], "lossless": false}}
            }
            """;

    @Test
    void parsesApiFormatKeepingNodeOrderAndTitles() {
        Workflow wf = Workflow.parse(TXT2IMG);
        assertThat(wf.size()).isEqualTo(7);
        assertThat(wf.nodes()).extracting(WorkflowNode::id).containsExactly("3", "4", "5", "6", "7", "8", "9");
        assertThat(wf.node("6").orElseThrow().title()).isEqualTo("Positive Prompt");
        assertThat(wf.node("3").orElseThrow().displayName()).isEqualTo("KSampler");
        assertThat(wf.toJson().get("3").get("inputs").get("steps").asInt()).isEqualTo(20);
    }

    @Test
    void readsFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path good = dir.resolve("wf.json");
        Files.writeString(good, TXT2IMG);
        assertThat(Workflow.parse(good).source()).isEqualTo(good.toString());

        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"3\": {\"class_type\": \"KSampler\",\n   \"inputs\": {\"seed\": 1,}\n}}");
        assertThatThrownBy(() -> Workflow.parse(bad))
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("invalid JSON at line 3, column");

        assertThatThrownBy(() -> Workflow.parse(dir.resolve("missing.json")))
                .isInstanceOf(InvalidWorkflowException.class).hasMessageContaining("no such workflow file");
    }

    @Test
    void detectsUiFormatExport() {
        String ui = """
                {"last_node_id": 9, "last_link_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": [[1, 4, 0, 3, 0, "MODEL"]],
                 "groups": [], "config": {}, "extra": {}, "version": 0.4}
                """;
        assertThatThrownBy(() -> Workflow.parse(ui, "ui.json"))
                .isInstanceOf(InvalidWorkflowException.class)
                .hasMessageContaining("ui.json")
                .hasMessageContaining("UI-format")
                .hasMessageContaining("export it with Save (API)");
    }

    @Test
    void rejectsEmptyMalformedAndWrongShapes() {
        assertThatThrownBy(() -> Workflow.parse("  ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Workflow.parse("{}")).hasMessageContaining("no nodes");
        assertThatThrownBy(() -> Workflow.parse("[1,2]")).hasMessageContaining("found an array");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": 5}")).hasMessageContaining("node \"3\" must be an object");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"inputs\": {}}}")).hasMessageContaining("node \"3\" has no class_type");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"A\", \"inputs\": {}}} trailing"))
                .hasMessageContaining("line 1");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"A\", \"inputs\": {}}, \"3\": {\"class_type\": \"B\"}}"))
                .hasMessageContaining("Duplicate field '3'");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"A\", \"inputs\": {\"model\": [\"99\", 0]}}}"))
                .hasMessageContaining("node 3 A input 'model' links to node 99, which is not in the workflow");
        assertThatThrownBy(() -> Workflow.parse("{\"3\": {\"class_type\": \"A\", \"inputs\": {\"model\": [\"3\"]}}}"))
                .hasMessageContaining("a link must be");
    }

    @Test
    void rejectsHugeInput() {
        String huge = "{\"a\": \"" + "x".repeat((int) Workflow.MAX_BYTES) + "\"}";
        assertThatThrownBy(() -> Workflow.parse(huge)).isInstanceOf(InvalidWorkflowException.class).hasMessageContaining("too large");
    }

    @Test
    void acceptsAPromptRequestBodyAndAMap() {
        Workflow wrapped = Workflow.parse("{\"prompt\": " + TXT2IMG + ", \"client_id\": \"x\"}");
        assertThat(wrapped.size()).isEqualTo(7);
        Workflow fromMap = Workflow.fromMap(Map.of("1", Map.of("class_type", "SaveImage",
                "inputs", Map.of("filename_prefix", "x"))));
        assertThat(fromMap.node("1").orElseThrow().classType()).isEqualTo("SaveImage");
    }

    @Test
    void parsesTheShippedExamples() {
        Path examples = Path.of("..", "examples", "workflows");
        if (Files.isDirectory(examples)) {
            assertThat(Workflow.parse(examples.resolve("txt2img.json")).size()).isEqualTo(7);
            assertThat(Workflow.parse(examples.resolve("img2img.json")).node("10").orElseThrow().classType()).isEqualTo("LoadImage");
        }
    }

    @Test
    void overridesAreTypedFromTheExistingInput() {
        Workflow wf = Workflow.parse(TXT2IMG).with(WorkflowOverrides.parse(List.of(
                "3.seed=42", "KSampler.cfg=7", "\"Positive Prompt\".text=a red fox, 4k", "SaveImage.lossless=TRUE",
                "Negative Prompt.text=x=y")));
        var json = wf.toJson();
        assertThat(json.at("/3/inputs/seed").isIntegralNumber()).isTrue();
        assertThat(json.at("/3/inputs/seed").asLong()).isEqualTo(42);
        assertThat(json.at("/3/inputs/cfg").isDouble()).isTrue();
        assertThat(json.at("/3/inputs/cfg").asDouble()).isEqualTo(7.0);
        assertThat(json.at("/6/inputs/text").asText()).isEqualTo("a red fox, 4k");
        assertThat(json.at("/7/inputs/text").asText()).isEqualTo("x=y");
        assertThat(json.at("/9/inputs/lossless").asBoolean()).isTrue();
    }

    @Test
    void overridesFromATypedMap() {
        Workflow wf = Workflow.parse(TXT2IMG).with(WorkflowOverrides.of(Map.of("3.steps", 30, "6.text", "dog")));
        assertThat(wf.toJson().at("/3/inputs/steps").asInt()).isEqualTo(30);
        assertThat(wf.toJson().at("/6/inputs/text").asText()).isEqualTo("dog");
        assertThatThrownBy(() -> Workflow.parse(TXT2IMG).with(WorkflowOverrides.of(Map.of("3.steps", 2.5))))
                .isInstanceOf(InvalidOverrideException.class).hasMessageContaining("is an integer");
    }

    @Test
    void titleWithDotsNeedsQuotes() {
        String wf = "{\"1\": {\"class_type\": \"CLIPTextEncode\", \"inputs\": {\"text\": \"a\"}, \"_meta\": {\"title\": \"v1.5 prompt\"}}}";
        assertThat(Workflow.parse(wf).with(WorkflowOverrides.parse(List.of("\"v1.5 prompt\".text=b"))).toJson().at("/1/inputs/text").asText())
                .isEqualTo("b");
    }

    @Test
    void overrideErrorsNameWhatIsWrong() {
        Workflow wf = Workflow.parse(TXT2IMG, "txt2img.json");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("CLIPTextEncode.text=x"))))
                .isInstanceOf(InvalidOverrideException.class)
                .hasMessageContaining("txt2img.json")
                .hasMessageContaining("class CLIPTextEncode is ambiguous")
                .hasMessageContaining("6 CLIPTextEncode \"Positive Prompt\", 7 CLIPTextEncode \"Negative Prompt\"");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("Sampler.seed=1"))))
                .hasMessageContaining("no node with id, title or class \"Sampler\"");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("3.sed=1"))))
                .hasMessageContaining("node 3 KSampler has no input 'sed'; its inputs are: seed, steps");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("3.seed=abc"))))
                .hasMessageContaining("input 'seed' of node 3 KSampler is an integer (now 31337); 'abc' is not an integer");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("3.cfg=lots"))))
                .hasMessageContaining("is a number");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("9.lossless=maybe"))))
                .hasMessageContaining("is a boolean");
        assertThatThrownBy(() -> wf.with(WorkflowOverrides.parse(List.of("3.model=5"))))
                .hasMessageContaining("is linked to node 4 output 0; a link cannot be replaced");
        assertThatThrownBy(() -> WorkflowOverrides.parse(List.of("seed=1"))).hasMessageContaining("expected target.input=value");
        assertThatThrownBy(() -> WorkflowOverrides.parse(List.of("3.seed"))).hasMessageContaining("missing '='");
        assertThatThrownBy(() -> WorkflowOverrides.parse(List.of("\"Positive Prompt.text=x"))).hasMessageContaining("unterminated quote");
    }

    @Test
    void ambiguousTitle() {
        String wf = "{\"1\": {\"class_type\": \"A\", \"inputs\": {\"v\": 1}, \"_meta\": {\"title\": \"T\"}},"
                + " \"2\": {\"class_type\": \"B\", \"inputs\": {\"v\": 1}, \"_meta\": {\"title\": \"T\"}}}";
        assertThatThrownBy(() -> Workflow.parse(wf).with(WorkflowOverrides.parse(List.of("T.v=2"))))
                .hasMessageContaining("title \"T\" is ambiguous: nodes 1, 2");
    }
}
