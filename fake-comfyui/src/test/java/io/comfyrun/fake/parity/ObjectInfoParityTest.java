package io.comfyrun.fake.parity;

import static io.comfyrun.fake.parity.ValidationParityTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.fake.catalog.NodeCatalog;
import io.comfyrun.fake.catalog.ServerFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code GET /object_info/{class}} as recorded in 01_http_basic, and the catalogue covering every traced class. */
class ObjectInfoParityTest {

    private final NodeCatalog catalog = NodeCatalog.core(ServerFiles.defaults());

    @Test
    void recordedObjectInfoBodiesAreReproducedExactly() throws Exception {
        List<TraceFile.Http> calls = TraceFile.load("01_http_basic").http().stream()
                .filter(h -> h.path().startsWith("/object_info/")).toList();
        assertThat(calls).extracting(TraceFile.Http::path)
                .containsExactly("/object_info/KSampler", "/object_info/SaveImage", "/object_info/NoSuchNode");
        for (TraceFile.Http h : calls) {
            String classType = h.path().substring("/object_info/".length());
            assertThat(json(catalog.objectInfoBody(classType))).as(h.path()).isEqualTo(json(h.json()));
        }
    }

    @Test
    void everyClassUsedInTheRecordingsIsInTheCatalogue() {
        Set<String> used = new HashSet<>();
        for (String name : TraceFile.ALL) {
            for (TraceFile.Http h : TraceFile.load(name).http()) {
                JsonNode prompt = h.req() == null ? null : h.req().get("prompt");
                if (prompt != null && prompt.isObject()) {
                    prompt.forEach(node -> used.add(node.path("class_type").asText("")));
                }
            }
        }
        used.remove("");
        used.remove("NoSuchNode");
        List<String> missing = new ArrayList<>();
        for (String classType : used) {
            if (catalog.find(classType).isEmpty()) {
                missing.add(classType);
            }
        }
        assertThat(used).contains("KSampler", "LoraLoader", "EmptyImage", "GetImageSize", "PreviewImage");
        assertThat(missing).isEmpty();
    }

    @Test
    void everyEntryHasTheRealObjectInfoShape() {
        List<String> keys = List.of("input", "input_order", "output", "output_is_list", "output_name", "name",
                "display_name", "description", "python_module", "category", "output_node");
        JsonNode all = catalog.objectInfoAll();
        assertThat(all.size()).isGreaterThanOrEqualTo(16);
        all.fields().forEachRemaining(e -> {
            JsonNode entry = e.getValue();
            List<String> present = new ArrayList<>();
            entry.fieldNames().forEachRemaining(present::add);
            assertThat(present).as(e.getKey()).containsSubsequence(keys);
            assertThat(entry.get("name").asText()).isEqualTo(e.getKey());
            assertThat(entry.get("output").size()).isEqualTo(entry.get("output_is_list").size());
            assertThat(entry.get("output").size()).isEqualTo(entry.get("output_name").size());
            entry.get("input").path("required").fields().forEachRemaining(input ->
                    assertThat(input.getValue().isArray()).as(e.getKey() + "." + input.getKey()).isTrue());
        });
    }
}
