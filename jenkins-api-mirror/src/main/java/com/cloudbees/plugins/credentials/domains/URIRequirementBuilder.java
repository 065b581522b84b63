package com.cloudbees.plugins.credentials.domains;

import java.util.ArrayList;
import java.util.List;

/** Mirror of credentials-plugin {@code URIRequirementBuilder} (the mirror builds an empty requirement list). */
public class URIRequirementBuilder {
    private URIRequirementBuilder() {
    }

    public static URIRequirementBuilder fromUri(String uri) {
        return new URIRequirementBuilder();
    }

    public List<DomainRequirement> build() {
        return new ArrayList<>();
    }
}
