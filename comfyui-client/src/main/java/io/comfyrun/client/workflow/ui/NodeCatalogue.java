package io.comfyrun.client.workflow.ui;

import com.fasterxml.jackson.databind.JsonNode;
import io.comfyrun.client.http.Json;
import io.comfyrun.client.workflow.InvalidWorkflowException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The node classes a ComfyUI server offers, parsed from its {@code GET /object_info}: the part of the server the
 * UI-to-API conversion depends on, because a UI-format file stores widget values by position, not by name.
 *
 * <p>Widgets follow the editor's rules: an input is a widget when its type is {@code INT}, {@code FLOAT},
 * {@code STRING}, {@code BOOLEAN} or a combo (an options list, or {@code COMBO}) and it is not {@code forceInput};
 * everything else is a socket. Required inputs come before optional ones, each in declaration order
 * ({@code input_order} when the server sends it). An INT gets a "control after generate" companion slot when it
 * declares {@code control_after_generate: true}, or, when it declares nothing, when it is named {@code seed} or
 * {@code noise_seed}; a combo gets one when it declares the flag.
 *
 * <pre>{@code
 * NodeCatalogue c = NodeCatalogue.load(Path.of("object_info.json"));
 * c.find("KSampler").orElseThrow().widgets();   // seed (2 slots), steps, cfg, sampler_name, scheduler, denoise
 * }</pre>
 */
public final class NodeCatalogue {

    private static final Set<String> SCALAR_WIDGETS = Set.of("INT", "FLOAT", "STRING", "BOOLEAN", "COMBO");
    private static final Set<String> UPLOAD_FLAGS = Set.of("image_upload", "video_upload", "audio_upload",
            "animated_image_upload", "file_upload");

    private final Map<String, NodeClass> classes;
    private final String source;

    private NodeCatalogue(Map<String, NodeClass> classes, String source) {
        this.classes = Map.copyOf(classes);
        this.source = source;
    }

    /** Parses an {@code /object_info} body; {@code source} (a server URL, a file) is named in conversion messages. */
    public static NodeCatalogue parse(JsonNode objectInfo, String source) {
        Objects.requireNonNull(source, "source");
        if (objectInfo == null || !objectInfo.isObject()) {
            throw new InvalidWorkflowException(source + ": not a node catalogue; expected the JSON object that GET"
                    + " /object_info answers ({\"KSampler\": {\"input\": ...}, ...})");
        }
        Map<String, NodeClass> classes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : objectInfo.properties()) {
            if (e.getValue().isObject()) {
                classes.put(e.getKey(), parseClass(e.getKey(), e.getValue()));
            }
        }
        return new NodeCatalogue(classes, source);
    }

    /** Reads a saved {@code /object_info} (e.g. {@code curl http://gpu-1:8188/object_info > object_info.json}). */
    public static NodeCatalogue load(Path file) {
        try {
            return parse(Json.MAPPER.readTree(Files.readString(file)), file.toString());
        } catch (NoSuchFileException e) {
            throw new InvalidWorkflowException(file + ": no such node catalogue file (save one with: curl"
                    + " http://<server>/object_info > " + file.getFileName() + ")", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidWorkflowException(file + ": the node catalogue is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidWorkflowException(file + ": cannot read the node catalogue: " + e, e);
        }
    }

    private static NodeClass parseClass(String name, JsonNode info) {
        List<NodeClass.Widget> widgets = new ArrayList<>();
        List<String> sockets = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String category : List.of("required", "optional")) {
            JsonNode inputs = info.path("input").path(category);
            for (String input : declaredOrder(info, category)) {
                JsonNode spec = inputs.get(input);
                if (spec == null) {
                    continue;
                }
                JsonNode declared = spec.isArray() ? spec.path(0) : spec;
                JsonNode options = spec.isArray() && spec.path(1).isObject() ? spec.get(1) : Json.MAPPER.createObjectNode();
                String type = declared.isArray() ? "COMBO" : declared.asText("");
                types.put(input, type);
                if (!SCALAR_WIDGETS.contains(type) || options.path("forceInput").asBoolean(false)) {
                    sockets.add(input);
                    continue;
                }
                JsonNode control = options.get("control_after_generate");
                boolean companion = control != null ? control.asBoolean(false)
                        : "INT".equals(type) && ("seed".equals(input) || "noise_seed".equals(input));
                boolean upload = UPLOAD_FLAGS.stream().anyMatch(f -> options.path(f).asBoolean(false));
                widgets.add(new NodeClass.Widget(input, type, companion && ("INT".equals(type) || "COMBO".equals(type)), upload,
                        defaultOf(declared, options)));
            }
        }
        String display = info.path("display_name").asText(null);
        return new NodeClass(name, display, widgets, types, sockets, info.path("output").size());
    }

    private static List<String> declaredOrder(JsonNode info, String category) {
        List<String> order = new ArrayList<>();
        JsonNode declared = info.path("input_order").path(category);
        if (declared.isArray()) {
            declared.forEach(n -> order.add(n.asText()));
        } else {
            info.path("input").path(category).fieldNames().forEachRemaining(order::add);
        }
        return order;
    }

    private static Optional<JsonNode> defaultOf(JsonNode declared, JsonNode options) {
        if (options.has("default")) {
            return Optional.of(options.get("default"));
        }
        if (declared.isArray() && !declared.isEmpty()) {
            return Optional.of(declared.get(0));
        }
        JsonNode listed = options.path("options");
        return listed.isArray() && !listed.isEmpty() ? Optional.of(listed.get(0)) : Optional.empty();
    }

    public Optional<NodeClass> find(String classType) {
        return Optional.ofNullable(classes.get(classType));
    }

    /** Where this catalogue came from: a server URL or a file, as named in messages. */
    public String source() {
        return source;
    }

    public int size() {
        return classes.size();
    }

    @Override
    public String toString() {
        return "NodeCatalogue[" + source + ", " + classes.size() + " classes]";
    }
}
