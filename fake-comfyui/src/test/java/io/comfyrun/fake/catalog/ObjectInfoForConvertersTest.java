package io.comfyrun.fake.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a UI-to-API converter reads from {@code /object_info}, as ComfyUI declares it: the widget order
 * ({@code input_order}, matching the declaration order of {@code input}) and the {@code control_after_generate} flag
 * of seed-like INT inputs, which makes the editor save an extra value after them.
 */
class ObjectInfoForConvertersTest {

    final ObjectNode all = NodeCatalog.core().objectInfoAll();

    @Test
    void everyClassDeclaresItsInputOrderAsItsInputs() {
        for (Map.Entry<String, JsonNode> c : all.properties()) {
            for (String category : List.of("required", "optional")) {
                List<String> declared = new ArrayList<>();
                c.getValue().path("input").path(category).fieldNames().forEachRemaining(declared::add);
                List<String> order = new ArrayList<>();
                c.getValue().path("input_order").path(category).forEach(n -> order.add(n.asText()));
                assertThat(order).as(c.getKey() + " input_order." + category).isEqualTo(declared);
            }
        }
    }

    @Test
    void seedLikeIntInputsCarryControlAfterGenerateAsComfyUiDeclaresThem() {
        List<String> flagged = new ArrayList<>();
        for (Map.Entry<String, JsonNode> c : all.properties()) {
            for (String category : List.of("required", "optional")) {
                c.getValue().path("input").path(category).properties().forEach(in -> {
                    JsonNode spec = in.getValue();
                    if ("INT".equals(spec.path(0).asText()) && spec.path(1).path("control_after_generate").asBoolean(false)) {
                        flagged.add(c.getKey() + "." + in.getKey());
                    }
                });
            }
        }
        assertThat(flagged).containsExactlyInAnyOrder("KSampler.seed", "KSamplerAdvanced.noise_seed", "FakeLoraTrainer.seed");
        assertThat(all.at("/LoadImage/input/required/image/1/image_upload").asBoolean())
                .as("LoadImage's upload button, saved as a second widget value").isTrue();
    }
}
