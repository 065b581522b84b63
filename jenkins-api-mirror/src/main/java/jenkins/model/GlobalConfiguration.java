package jenkins.model;

import hudson.ExtensionPoint;
import hudson.model.Describable;
import hudson.model.Descriptor;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.StaplerRequest2;

/** Mirror of jenkins-core {@code jenkins.model.GlobalConfiguration} (members the plugin uses). */
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
        // real GlobalConfiguration.getGlobalConfigPage resolves a view of the class (needs Stapler): not reproduced
        throw new UnsupportedOperationException("mirror: getGlobalConfigPage needs Jenkins' view resolution");
    }

    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        // real GlobalConfiguration.configure (no deprecated overload overridden): req.bindJSON(this, json), then true
        req.bindJSON(this, json);
        return true;
    }
}
