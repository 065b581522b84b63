package io.comfyrun.fake.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The node classes a fake server offers: what {@code GET /object_info} lists and what prompt validation
 * and the worker look up by {@code class_type}.
 *
 * <p>{@link #core()} holds ComfyUI 0.3.64's definitions of the classes the fake can execute (loaded from
 * JSON resources beside this class) plus the long-running {@code FakeLoraTrainer}. Combo inputs whose
 * options are files ({@code ckpt_name}, {@code lora_name}, {@code vae_name}, {@code LoadImage.image})
 * are filled from the catalogue's {@link ServerFiles} each time an entry is rendered, as ComfyUI rescans
 * its folders on each request.
 *
 * <pre>{@code
 * NodeCatalog catalog = NodeCatalog.core(ServerFiles.defaults());
 * catalog.find("KSampler").orElseThrow().behaviour();   // SAMPLER
 * }</pre>
 */
public final class NodeCatalog {

    private static final String RESOURCE_DIR = "/io/comfyrun/fake/catalog/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Combo inputs (by name) whose options are the files of a model folder, as in ComfyUI's nodes. */
    private static final Map<String, String> MODEL_FOLDER_INPUTS = Map.of(
            "ckpt_name", "checkpoints",
            "lora_name", "loras",
            "vae_name", "vae",
            "unet_name", "diffusion_models",
            "control_net_name", "controlnet",
            "model_name", "upscale_models");

    private final Map<String, NodeDefinition> definitions = new LinkedHashMap<>();
    private final ServerFiles files;

    private NodeCatalog(ServerFiles files) {
        this.files = Objects.requireNonNull(files, "files");
    }

    /** The core catalogue over {@link ServerFiles#defaults()}. */
    public static NodeCatalog core() {
        return core(ServerFiles.defaults());
    }

    /** The core catalogue, with file-backed combo options read from {@code files} at request time. */
    public static NodeCatalog core(ServerFiles files) {
        NodeCatalog catalog = new NodeCatalog(files);
        JsonNode behaviours = readResource("behaviours.json");
        JsonNode objectInfo = readResource("object_info.json");
        Iterator<Map.Entry<String, JsonNode>> it = objectInfo.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String behaviour = behaviours.path(e.getKey()).asText("GENERIC");
            catalog.register(NodeDefinition.fromObjectInfo(e.getKey(), (ObjectNode) e.getValue(),
                    NodeBehaviour.valueOf(behaviour)));
        }
        return catalog;
    }

    /** An empty catalogue (tests, or a server offering only custom nodes). */
    public static NodeCatalog empty(ServerFiles files) {
        return new NodeCatalog(files);
    }

    private static JsonNode readResource(String name) {
        try (InputStream in = NodeCatalog.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("Node catalogue resource " + RESOURCE_DIR + name
                        + " is missing from the classpath; the fake-comfyui jar is incomplete");
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read node catalogue resource " + RESOURCE_DIR + name, e);
        }
    }

    /**
     * Adds the classes of a saved {@code GET /object_info} answer (a real server's, custom node packs included) that
     * this catalogue does not have; classes it has (the core ones) keep their definitions and behaviour. Imported
     * classes are validated exactly like core ones and executed with a behaviour inferred from their declaration
     * (see {@link #behaviourFor(ObjectNode)}). The whole answer is checked first: a malformed entry imports nothing.
     *
     * @return the class names added, in the answer's order
     * @throws IllegalArgumentException naming the class and what is wrong with its entry
     */
    public List<String> importObjectInfo(JsonNode objectInfo) {
        List<NodeDefinition> defs = ObjectInfoImport.definitions(objectInfo);
        List<String> added = new java.util.ArrayList<>();
        synchronized (this) {
            for (NodeDefinition d : defs) {
                if (!definitions.containsKey(d.classType())) {
                    definitions.put(d.classType(), d);
                    added.add(d.classType());
                }
            }
        }
        return added;
    }

    /** The behaviour the fake gives an imported class, inferred from its {@code /object_info} entry. */
    public static NodeBehaviour behaviourFor(ObjectNode objectInfoEntry) {
        return ObjectInfoImport.infer(objectInfoEntry);
    }

    /**
     * A small saved catalogue of three common custom node packs (ComfyUI-Custom-Scripts, ComfyUI_essentials,
     * rgthree-comfy), written by hand in their published {@code /object_info} shape, for tests of workflows that use
     * custom nodes: {@code catalog.importObjectInfo(NodeCatalog.sampleCustomNodePacks())}.
     */
    public static JsonNode sampleCustomNodePacks() {
        return readResource("custom-node-packs.json");
    }

    /** The files this catalogue fills combo options from. */
    public ServerFiles files() {
        return files;
    }

    public synchronized Optional<NodeDefinition> find(String classType) {
        return Optional.ofNullable(definitions.get(classType));
    }

    /** Adds or replaces a class; a replaced class keeps its position in {@code /object_info}. */
    public synchronized void register(NodeDefinition def) {
        definitions.put(def.classType(), def);
    }

    public synchronized List<NodeDefinition> definitions() {
        return List.copyOf(definitions.values());
    }

    /** The body of {@code GET /object_info}: every class, combo options filled from the current files. */
    public ObjectNode objectInfoAll() {
        ObjectNode all = JsonNodeFactory.instance.objectNode();
        for (NodeDefinition def : definitions()) {
            all.set(def.classType(), objectInfo(def, files));
        }
        return all;
    }

    /**
     * The body of {@code GET /object_info/{class}}: {@code {class: entry}}, or {@code {}} for an unknown
     * class (ComfyUI answers 200 with an empty object, not 404).
     */
    public ObjectNode objectInfoBody(String classType) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        find(classType).ifPresent(def -> body.set(classType, objectInfo(def, files)));
        return body;
    }

    /** One class's entry with combo options filled from the current files. */
    public Optional<ObjectNode> objectInfo(String classType) {
        return find(classType).map(def -> objectInfo(def, files));
    }

    /** A copy of {@code def}'s entry with file-backed combo options taken from {@code files}. */
    public static ObjectNode objectInfo(NodeDefinition def, ServerFiles files) {
        ObjectNode entry = def.objectInfo().deepCopy();
        for (String category : List.of("required", "optional")) {
            JsonNode inputs = entry.path("input").path(category);
            if (!inputs.isObject()) {
                continue;
            }
            Iterator<Map.Entry<String, JsonNode>> it = inputs.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> input = it.next();
                fillFileOptions(input.getKey(), input.getValue(), files);
            }
        }
        return entry;
    }

    private static void fillFileOptions(String name, JsonNode spec, ServerFiles files) {
        if (!spec.isArray() || spec.isEmpty() || !spec.get(0).isArray()) {
            return;
        }
        List<String> options;
        if (spec.path(1).path("image_upload").asBoolean(false)) {
            options = files.inputFiles();
        } else if (MODEL_FOLDER_INPUTS.containsKey(name)) {
            options = files.models(MODEL_FOLDER_INPUTS.get(name));
        } else {
            return;
        }
        ArrayNode list = (ArrayNode) spec.get(0);
        list.removeAll();
        options.forEach(list::add);
    }
}
