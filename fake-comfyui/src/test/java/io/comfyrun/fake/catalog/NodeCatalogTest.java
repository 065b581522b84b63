package io.comfyrun.fake.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeCatalogTest {

    @Test
    void fileBackedCombosFollowTheServerFilesAtRequestTime() {
        InMemoryServerFiles files = ServerFiles.defaults();
        NodeCatalog catalog = NodeCatalog.core(files);
        assertThat(catalog.objectInfo("CheckpointLoaderSimple").orElseThrow()
                .at("/input/required/ckpt_name/0").toString()).isEqualTo("[\"fake_sd15_random.safetensors\"]");

        files.addModel("checkpoints", "another.safetensors");
        files.addInput("upload.png");
        assertThat(catalog.objectInfo("CheckpointLoaderSimple").orElseThrow()
                .at("/input/required/ckpt_name/0").toString())
                .isEqualTo("[\"another.safetensors\",\"fake_sd15_random.safetensors\"]");
        assertThat(catalog.objectInfoAll().at("/LoadImage/input/required/image/0").toString())
                .isEqualTo("[\"example.png\",\"upload.png\"]");
        assertThat(catalog.objectInfoAll().at("/LoadImage/input/required/image/1").toString())
                .isEqualTo("{\"image_upload\":true}");
        // the stored template is not changed by rendering
        assertThat(catalog.find("CheckpointLoaderSimple").orElseThrow().objectInfo()
                .at("/input/required/ckpt_name/0").size()).isZero();
    }

    @Test
    void definitionsCarryBehaviourOutputsAndInputOrder() {
        NodeCatalog catalog = NodeCatalog.core();
        NodeDefinition ksampler = catalog.find("KSampler").orElseThrow();
        assertThat(ksampler.behaviour()).isEqualTo(NodeBehaviour.SAMPLER);
        assertThat(ksampler.outputTypes()).containsExactly("LATENT");
        assertThat(ksampler.inputOrder()).startsWith("model", "seed", "steps");
        assertThat(ksampler.outputNode()).isFalse();

        NodeDefinition trainer = catalog.find("FakeLoraTrainer").orElseThrow();
        assertThat(trainer.behaviour()).isEqualTo(NodeBehaviour.TRAINER);
        assertThat(trainer.outputNode()).isTrue();
        assertThat(trainer.input("steps").orElseThrow().options().get("max").asInt()).isEqualTo(100000);

        assertThat(catalog.find("SaveImage").orElseThrow().behaviour()).isEqualTo(NodeBehaviour.SAVE_IMAGE);
        assertThat(catalog.find("PreviewImage").orElseThrow().outputNode()).isTrue();
        for (String required : List.of("CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "VAEDecode",
                "LoraLoader", "LoadImage", "KSamplerAdvanced", "VAEEncode", "ImageScale", "EmptyImage", "GetImageSize")) {
            assertThat(catalog.find(required)).as(required).isPresent();
        }
        assertThat(catalog.find("NoSuchNode")).isEmpty();
        assertThat(catalog.objectInfoBody("NoSuchNode").isEmpty()).isTrue();
    }

    @Test
    void customNodesCanBeRegisteredFromAnObjectInfoEntry() {
        NodeCatalog catalog = NodeCatalog.empty(ServerFiles.of(Map.of(), List.of()));
        ObjectNode info = JsonNodeFactory.instance.objectNode();
        info.putObject("input").putObject("required").putArray("seconds").add("INT");
        info.putArray("output").add("IMAGE");
        info.put("output_node", true);
        catalog.register(NodeDefinition.fromObjectInfo("SlowNode", info, NodeBehaviour.GENERIC));
        NodeDefinition def = catalog.find("SlowNode").orElseThrow();
        assertThat(def.inputOrder()).containsExactly("seconds");
        assertThat(def.outputTypes()).containsExactly("IMAGE");
        assertThat(def.outputNode()).isTrue();
        assertThat(catalog.objectInfoAll().has("SlowNode")).isTrue();
    }
}
