package io.comfyrun.client.workflow.ui;

import java.io.IOException;
import java.util.Objects;

/**
 * Where a conversion gets its node catalogue: a server ({@link io.comfyrun.client.ComfyClient#nodeCatalogue}, fetched
 * once and cached) or a saved file. A converter that meets a class the catalogue lacks asks for {@link #refetch()}
 * once, since a custom node may have been installed on the server since the catalogue was fetched.
 */
public interface NodeCatalogueSource {

    /** The catalogue, fetched on first use. */
    NodeCatalogue catalogue() throws IOException;

    /** A fresh catalogue (a server's is fetched again and replaces the cached one); a file's is returned as is. */
    NodeCatalogue refetch() throws IOException;

    /** A fixed catalogue, e.g. one loaded from a file. */
    static NodeCatalogueSource of(NodeCatalogue catalogue) {
        Objects.requireNonNull(catalogue, "catalogue");
        return new NodeCatalogueSource() {
            @Override
            public NodeCatalogue catalogue() {
                return catalogue;
            }

            @Override
            public NodeCatalogue refetch() {
                return catalogue;
            }
        };
    }
}
