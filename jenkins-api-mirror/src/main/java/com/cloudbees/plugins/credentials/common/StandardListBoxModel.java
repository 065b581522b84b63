package com.cloudbees.plugins.credentials.common;

/** Mirror of credentials-plugin {@code StandardListBoxModel}. */
public class StandardListBoxModel extends AbstractIdCredentialsListBoxModel<StandardListBoxModel, StandardCredentials> {
    public StandardListBoxModel() {
        // real StandardListBoxModel(): an empty list
    }

    @Override
    protected String describe(StandardCredentials c) {
        // real describe: CredentialsNameProvider.name(c), not reproduced (never called by the plugin)
        throw new UnsupportedOperationException("mirror: StandardListBoxModel.describe");
    }

    private static final long serialVersionUID = 1L;
}
