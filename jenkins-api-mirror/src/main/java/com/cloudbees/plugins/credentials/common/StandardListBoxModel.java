package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code StandardListBoxModel}. */
public class StandardListBoxModel extends AbstractIdCredentialsListBoxModel<StandardListBoxModel, StandardCredentials> {
    public StandardListBoxModel() {
    }

    @Override
    protected String describe(StandardCredentials c) {
        return c.getId();
    }

    private static final long serialVersionUID = 1L;
}
