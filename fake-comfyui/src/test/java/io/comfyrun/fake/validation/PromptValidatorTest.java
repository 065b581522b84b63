package io.comfyrun.fake.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comfyrun.fake.catalog.InMemoryServerFiles;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.catalog.ServerFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Validation cases the recordings do not cover, checked against ComfyUI 0.3.64's rules. */
class PromptValidatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final InMemoryServerFiles files = ServerFiles.defaults();
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

    private ValidationResult validate(JsonNode prompt) {
        return validator.validate(prompt, null);
    }

    private static ObjectNode rejectedBody(ValidationResult result) {
        assertThat(result).isInstanceOf(ValidationResult.Rejected.class);
        return ((ValidationResult.Rejected) result).body();
    }

    private static JsonNode onlyError(ValidationResult result, String nodeId) {
        JsonNode errors = rejectedBody(result).at("/node_errors/" + nodeId + "/errors");
        assertThat(errors.size()).isEqualTo(1);
        return errors.get(0);
    }

    @Test
    void acceptsTxt2imgAndCoercesNumbersToTheirDeclaredTypes() throws Exception {
        ValidationResult.Accepted accepted = (ValidationResult.Accepted) validate(txt2img());
        assertThat(accepted.outputsToExecute()).containsExactly("9");
        assertThat(accepted.nodeErrors().isEmpty()).isTrue();
        assertThat(JSON.writeValueAsString(accepted.validatedPrompt().at("/3/inputs")))
                .contains("\"cfg\":8.0", "\"denoise\":1.0", "\"seed\":156680208700286", "\"steps\":20");
    }

    @Test
    void coercesStringsAndUnwrapsValueObjectsLikePython() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/3/inputs")).put("steps", " 12 ").put("cfg", "7.5");
        ((ObjectNode) prompt.at("/6/inputs")).put("text", 42);
        ((ObjectNode) prompt.at("/5/inputs")).putObject("width").put("__value__", 64);
        ObjectNode validated = ((ValidationResult.Accepted) validate(prompt)).validatedPrompt();
        assertThat(validated.at("/3/inputs/steps").isInt()).isTrue();
        assertThat(validated.at("/3/inputs/steps").asInt()).isEqualTo(12);
        assertThat(validated.at("/3/inputs/cfg").asDouble()).isEqualTo(7.5);
        assertThat(validated.at("/6/inputs/text").asText()).isEqualTo("42");
        assertThat(validated.at("/5/inputs/width").asInt()).isEqualTo(64);
    }

    @Test
    void missingPromptEmptyPromptAndNullPrompt() throws Exception {
        assertThat(((ValidationResult.Rejected) validator.validate(null, null)).errorType()).isEqualTo("no_prompt");
        assertThat(((ValidationResult.Rejected) validate(JSON.readTree("[]"))).errorType()).isEqualTo("prompt_no_outputs");
        assertThat(((ValidationResult.Rejected) validate(JSON.readTree("{}"))).errorType()).isEqualTo("prompt_no_outputs");
        assertThat(validate(JSON.readTree("null"))).isInstanceOf(ValidationResult.Crashed.class);
        assertThat(validate(JSON.readTree("{\"1\": 5}"))).isInstanceOf(ValidationResult.Crashed.class);
    }

    @Test
    void floatBoundsAreWrittenAsPythonFloats() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/3/inputs")).put("cfg", -1);
        JsonNode error = onlyError(validate(prompt), "3");
        assertThat(error.get("type").asText()).isEqualTo("value_smaller_than_min");
        assertThat(error.get("message").asText()).isEqualTo("Value -1.0 smaller than min of 0.0");
        assertThat(error.at("/extra_info/received_value").isDouble()).isTrue();
    }

    @Test
    void longComboListsAreSummarisedAndTheirConfigDropped() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/3/inputs")).put("sampler_name", "nope");
        JsonNode error = onlyError(validate(prompt), "3");
        assertThat(error.get("details").asText()).isEqualTo("sampler_name: 'nope' not in (list of length 42)");
        assertThat(error.at("/extra_info/input_config").isNull()).isTrue();

        ((ObjectNode) prompt.at("/3/inputs")).put("sampler_name", "euler").put("scheduler", "weird");
        assertThat(onlyError(validate(prompt), "3").get("details").asText()).isEqualTo(
                "scheduler: 'weird' not in ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta',"
                        + " 'normal', 'linear_quadratic', 'kl_optimal']");
    }

    @Test
    void loadImageChecksTheInputFolder() throws Exception {
        ObjectNode prompt = (ObjectNode) JSON.readTree("""
            {"1": {"class_type": "LoadImage", "inputs": {"image": "x.png"}},
             "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}}}
            """);
        JsonNode error = onlyError(validate(prompt), "1");
        assertThat(JSON.writeValueAsString(error)).isEqualTo("{\"type\":\"custom_validation_failed\","
                + "\"message\":\"Custom validation failed for node\",\"details\":\"image - Invalid image file: x.png\","
                + "\"extra_info\":{\"input_name\":\"image\"}}");
        files.addInput("x.png");
        assertThat(validate(prompt)).isInstanceOf(ValidationResult.Accepted.class);
    }

    @Test
    void outputNodeOwnErrorsAreJoinedIntoDetails() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/9/inputs")).remove("images");
        ObjectNode body = rejectedBody(validate(prompt));
        assertThat(body.at("/error/details").asText()).isEqualTo("Required input is missing: images");
        assertThat(body.at("/node_errors/9/dependent_outputs").toString()).isEqualTo("[\"9\"]");
    }

    @Test
    void everyFailedNodeSoFarListsEachLaterFailedOutput() throws Exception {
        // ComfyUI appends each failed output to every failed node validated so far, related or not.
        ObjectNode prompt = (ObjectNode) JSON.readTree("""
            {"1": {"class_type": "EmptyImage", "inputs": {"width": 0, "height": 64, "batch_size": 1, "color": 0}},
             "2": {"class_type": "PreviewImage", "inputs": {"images": ["1", 0]}},
             "3": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 0, "batch_size": 1, "color": 0}},
             "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}}}
            """);
        ObjectNode body = rejectedBody(validate(prompt));
        assertThat(body.at("/node_errors/1/dependent_outputs").toString()).isEqualTo("[\"2\",\"4\"]");
        assertThat(body.at("/node_errors/3/dependent_outputs").toString()).isEqualTo("[\"4\"]");
        assertThat(body.at("/error/details").asText()).isEmpty();
    }

    @Test
    void partialExecutionTargetsLimitTheOutputs() throws Exception {
        ObjectNode prompt = txt2img();
        prompt.set("10", JSON.readTree("{\"class_type\": \"PreviewImage\", \"inputs\": {\"images\": [\"8\", 0]}}"));
        ValidationResult.Accepted accepted = (ValidationResult.Accepted) validator.validate(prompt, List.of("10"));
        assertThat(accepted.outputsToExecute()).containsExactly("10");
        assertThat(((ValidationResult.Rejected) validator.validate(prompt, List.of("3"))).errorType())
                .isEqualTo("prompt_no_outputs");
    }

    @Test
    void linksToMissingNodesAndSlotsBecomeValidationExceptions() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/9/inputs")).set("images", JSON.readTree("[\"99\", 0]"));
        JsonNode error = onlyError(validate(prompt), "9");
        assertThat(error.get("type").asText()).isEqualTo("exception_during_validation");
        assertThat(error.get("details").asText()).isEqualTo("'99'");
        assertThat(error.at("/extra_info/exception_type").asText()).isEqualTo("KeyError");

        prompt = txt2img();
        ((ObjectNode) prompt.at("/8/inputs")).set("vae", JSON.readTree("[\"4\", 7]"));
        error = onlyError(validate(prompt), "8");
        assertThat(error.get("type").asText()).isEqualTo("exception_during_inner_validation");
        assertThat(error.get("details").asText()).isEqualTo("tuple index out of range");
        assertThat(error.at("/extra_info/input_name").asText()).isEqualTo("images");
    }

    @Test
    void conversionErrorsQuotePython() throws Exception {
        ObjectNode prompt = txt2img();
        ((ObjectNode) prompt.at("/3/inputs")).put("cfg", "high");
        assertThat(onlyError(validate(prompt), "3").get("details").asText())
                .isEqualTo("cfg, high, could not convert string to float: 'high'");
        prompt = txt2img();
        ((ObjectNode) prompt.at("/3/inputs")).putNull("steps");
        assertThat(onlyError(validate(prompt), "3").get("details").asText()).isEqualTo(
                "steps, None, int() argument must be a string, a bytes-like object or a real number, not 'NoneType'");
    }

    @Test
    void pythonFloatRepr() {
        assertThat(PyFormat.reprFloat(8)).isEqualTo("8.0");
        assertThat(PyFormat.reprFloat(0.1)).isEqualTo("0.1");
        assertThat(PyFormat.reprFloat(1e16)).isEqualTo("1e+16");
        assertThat(PyFormat.reprFloat(123456789.0)).isEqualTo("123456789.0");
        assertThat(PyFormat.reprFloat(0.0001)).isEqualTo("0.0001");
        assertThat(PyFormat.reprFloat(0.00001)).isEqualTo("1e-05");
        assertThat(PyFormat.reprFloat(-2.5e-7)).isEqualTo("-2.5e-07");
        assertThat(PyFormat.reprString("it's")).isEqualTo("\"it's\"");
    }
}
