package io.comfyrun.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The fixture's test workflow for tests in other packages. */
public final class EngineFixtureAccess {

    private EngineFixtureAccess() {
    }

    public static ObjectNode txt2img(long seed, int steps) {
        return EngineFixture.txt2img(seed, steps);
    }
}
