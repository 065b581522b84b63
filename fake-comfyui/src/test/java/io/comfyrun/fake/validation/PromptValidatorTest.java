package io.comfyrun.fake.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.catalog.ServerFiles;
import org.junit.jupiter.api.Test;

class PromptValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ServerFiles files = ServerFiles.defaults();
    private final PromptValidator validator = new PromptValidator(NodeCatalog.core(files), files);

    static ObjectNode txt2img() throws Exception {
        return (ObjectNode) JSON.readTree("""
            {"3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0], "model": ["4", 0],
               "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler", "scheduler": "normal",
               "seed": 156680208700286, "steps": 20}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "fake_sd15_random.safetensors"}},
             "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 128, "width": 128}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a"}},
             "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "b"}},
             "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
             "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}}}
            """);
    }

    @Test
    void acceptsTxt2imgAndCoercesFloats() throws Exception {
        ValidationResult result = validator.validate(txt2img(), null);
        assertThat(result).isInstanceOf(ValidationResult.Accepted.class);
        ValidationResult.Accepted accepted = (ValidationResult.Accepted) result;
        assertThat(accepted.outputsToExecute()).containsExactly("9");
        assertThat(accepted.nodeErrors().isEmpty()).isTrue();
        JsonNode cfg = accepted.validatedPrompt().get("3").get("inputs").get("cfg");
        assertThat(cfg.isDouble()).isTrue();
        assertThat(JSON.writeValueAsString(cfg)).isEqualTo("8.0");
    }

    @Test
    void missingPromptIsNoPrompt() {
        ValidationResult result = validator.validate(null, null);
        assertThat(((ValidationResult.Rejected) result).errorType()).isEqualTo("no_prompt");
    }
}
