package jenkins.model;

import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Describable;
import hudson.model.Descriptor;

/**
 * Mirror of jenkins-core {@code jenkins.model.GlobalConfiguration}. The plugin does not override
 * {@code configure(StaplerRequest2, JSONObject)}, so it is not mirrored.
 */
public abstract class GlobalConfiguration extends Descriptor<GlobalConfiguration>
        implements ExtensionPoint, Describable<GlobalConfiguration> {
    @SuppressWarnings("unchecked")
    protected GlobalConfiguration() {
        super((Class<? extends GlobalConfiguration>) (Class<?>) GlobalConfiguration.class);
    }

    @Override
    public final Descriptor<GlobalConfiguration> getDescriptor() {
        return this;
    }

    public String getGlobalConfigPage() {
        return "config.jelly";
    }

    public static ExtensionList<GlobalConfiguration> all() {
        return ExtensionList.lookup(GlobalConfiguration.class);
    }
}
