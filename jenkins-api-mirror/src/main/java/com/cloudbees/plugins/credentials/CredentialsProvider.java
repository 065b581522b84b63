package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.builds.CredentialsParameterBinder;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.ExtensionList;
import hudson.ExtensionPoint;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.model.ItemGroup;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.security.Permission;
import hudson.util.ListBoxModel;
import java.text.Collator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import jenkins.model.Jenkins;
import org.springframework.security.core.Authentication;

/**
 * Mirror of credentials-plugin 1415 {@code CredentialsProvider}, the extension point providing credentials (real
 * also implements IconSpec, which the mirror lacks). The static lookups ask every enabled, applicable provider
 * registered in the mirror's {@code ExtensionList} ({@link #all()}), as the real ones do; providers are only as
 * the ones a test registers. What the mirror cannot reproduce throws UnsupportedOperationException: fingerprints
 * ({@link #trackAll(Run, List)} while {@code CredentialsProvider.fingerprintEnabled} is true, the default) and the
 * option names of {@link #getCredentialIdsInItemGroup} ({@code CredentialsNameProvider}).
 */
public abstract class CredentialsProvider extends Descriptor<CredentialsProvider>
        implements ExtensionPoint, Describable<CredentialsProvider> {
    public static final Permission CREATE = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.Create");
    public static final Permission VIEW = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.View");
    public static final Permission USE_ITEM = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseItem");
    public static final Permission USE_OWN = Permission.fromId("com.cloudbees.plugins.credentials.CredentialsProvider.UseOwn");

    private static final Logger LOGGER = Logger.getLogger(CredentialsProvider.class.getName());

    private static final String FINGERPRINT_ENABLED_NAME = CredentialsProvider.class.getSimpleName() + ".fingerprintEnabled";

    /** As the real one: read once, when the class initialises, from the system property (true by default). */
    static boolean FINGERPRINT_ENABLED = Boolean.parseBoolean(System.getProperty(FINGERPRINT_ENABLED_NAME, "true"));

    @SuppressWarnings("unchecked")
    public CredentialsProvider() {
        // real CredentialsProvider(): a descriptor describing itself (Descriptor.self())
        super(Descriptor.self());
    }

    public static ExtensionList<CredentialsProvider> all() {
        // real all(): ExtensionList.lookup(CredentialsProvider.class)
        return ExtensionList.lookup(CredentialsProvider.class);
    }

    public static List<CredentialsProvider> enabled() {
        // real enabled(): the registered providers that isEnabled()
        return all().stream().filter(CredentialsProvider::isEnabled).collect(Collectors.toList());
    }

    public static List<CredentialsProvider> enabled(Object context) {
        // real enabled(Object): the registered providers that isEnabled(context)
        return all().stream().filter(p -> p.isEnabled(context)).collect(Collectors.toList());
    }

    @Override
    public Descriptor<CredentialsProvider> getDescriptor() {
        // real getDescriptor: the provider is its own descriptor
        return this;
    }

    @Override
    public String getDisplayName() {
        // real getDisplayName: the simple class name split into camel-case words (commons-lang): not reproduced
        throw new UnsupportedOperationException("mirror: CredentialsProvider.getDisplayName");
    }

    public final boolean isEnabled() {
        // real isEnabled(): CredentialsProviderManager.isEnabled(this): true when no CredentialsProviderManager
        // filter is registered (the mirror has none)
        return true;
    }

    public boolean isEnabled(Object context) {
        // real isEnabled(Object): isEnabled() and every DescriptorVisibilityFilter agrees (the mirror has none)
        return isEnabled();
    }

    public final boolean isApplicable(Class<? extends Credentials> clazz) {
        // real isApplicable(Class): enabled and some registered CredentialsDescriptor of an implementation of clazz
        // is isApplicable(descriptor)
        if (!isEnabled()) {
            return false;
        }
        for (CredentialsDescriptor d : ExtensionList.lookup(CredentialsDescriptor.class)) {
            if (clazz.isAssignableFrom(d.clazz) && isApplicable(d)) {
                return true;
            }
        }
        return false;
    }

    public final boolean isApplicable(Descriptor<?> descriptor) {
        // real isApplicable(Descriptor): enabled, the CredentialsDescriptor accepts this provider, every
        // DescriptorVisibilityFilter agrees (the mirror has none), then _isApplicable
        if (!isEnabled()) {
            return false;
        }
        if (descriptor instanceof CredentialsDescriptor cd && !cd.isApplicable(this)) {
            return false;
        }
        return _isApplicable(descriptor);
    }

    protected boolean _isApplicable(Descriptor<?> descriptor) {
        // real _isApplicable: true unless overridden
        return true;
    }

    public <C extends Credentials> List<C> getCredentialsInItemGroup(Class<C> type, ItemGroup itemGroup,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        // real getCredentialsInItemGroup: the deprecated getCredentials overloads when overridden (the mirror has
        // none), else AbstractMethodError
        throw new AbstractMethodError("Implement getCredentialsInItemGroup from " + getClass());
    }

    public <C extends Credentials> List<C> getCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        // real getCredentialsInItem: (no deprecated overload to prefer in the mirror) getCredentialsInItemGroup of
        // the item itself when it is an item group, else of its parent
        return getCredentialsInItemGroup(type, item instanceof ItemGroup ? (ItemGroup) item : item.getParent(),
                authentication, domainRequirements);
    }

    public <C extends IdCredentials> ListBoxModel getCredentialIdsInItemGroup(Class<C> type, ItemGroup itemGroup,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        // real getCredentialIdsInItemGroup: matching credentials sorted and named by CredentialsNameProvider: the
        // names are not reproduced
        throw new UnsupportedOperationException("mirror: CredentialsProvider.getCredentialIdsInItemGroup (CredentialsNameProvider names)");
    }

    public <C extends IdCredentials> ListBoxModel getCredentialIdsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        // real getCredentialIdsInItem: getCredentialIdsInItemGroup for an item group; else the item's matching
        // credentials named by CredentialsNameProvider, whose names are not reproduced
        if (item instanceof ItemGroup) {
            return getCredentialIdsInItemGroup(type, (ItemGroup) item, authentication, domainRequirements, matcher);
        }
        throw new UnsupportedOperationException("mirror: CredentialsProvider.getCredentialIdsInItem (CredentialsNameProvider names)");
    }

    public static <C extends Credentials> List<C> lookupCredentialsInItemGroup(Class<C> type, ItemGroup itemGroup,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        // real lookupCredentialsInItemGroup: (no @ResolveWith type in the mirror) every enabled provider applicable to
        // the type, in order, first credentials of each id; null group = Jenkins, null authentication = SYSTEM2
        Objects.requireNonNull(type);
        ItemGroup group = itemGroup == null ? Jenkins.get() : itemGroup;
        Authentication auth = authentication == null ? ACL.SYSTEM2 : authentication;
        List<DomainRequirement> reqs = domainRequirements == null ? Collections.emptyList() : domainRequirements;
        return fromProviders(group, type, provider -> provider.getCredentialsInItemGroup(type, group, auth, reqs),
                c -> c instanceof IdCredentials ? ((IdCredentials) c).getId() : null);
    }

    public static <C extends Credentials> List<C> lookupCredentialsInItem(Class<C> type, Item item,
            Authentication authentication) {
        // real lookupCredentialsInItem(Class, Item, Authentication): no domain requirements
        return lookupCredentialsInItem(type, item, authentication, List.of());
    }

    /** A null item means the Jenkins root, as in the real one. */
    public static <C extends Credentials> List<C> lookupCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements) {
        // real lookupCredentialsInItem: the item group lookup for null (Jenkins) or an item group; else (no
        // @ResolveWith type in the mirror) every enabled provider applicable to the type, first credentials of each id
        Objects.requireNonNull(type);
        if (item == null) {
            return lookupCredentialsInItemGroup(type, Jenkins.get(), authentication, domainRequirements);
        }
        if (item instanceof ItemGroup) {
            return lookupCredentialsInItemGroup(type, (ItemGroup) item, authentication, domainRequirements);
        }
        Authentication auth = authentication == null ? ACL.SYSTEM2 : authentication;
        List<DomainRequirement> reqs = domainRequirements == null ? Collections.emptyList() : domainRequirements;
        return fromProviders(item, type, provider -> provider.getCredentialsInItem(type, item, auth, reqs),
                c -> c instanceof IdCredentials ? ((IdCredentials) c).getId() : null);
    }

    public static <C extends IdCredentials> ListBoxModel listCredentialsInItemGroup(Class<C> type,
            ItemGroup itemGroup, Authentication authentication, List<DomainRequirement> domainRequirements,
            CredentialsMatcher matcher) {
        // real listCredentialsInItemGroup: (no @ResolveWith type in the mirror) each enabled applicable provider's
        // getCredentialIdsInItemGroup options, first of each value, sorted by name (ListBoxModelOptionComparator)
        Objects.requireNonNull(type);
        ItemGroup group = itemGroup == null ? Jenkins.get() : itemGroup;
        Authentication auth = authentication == null ? ACL.SYSTEM2 : authentication;
        List<DomainRequirement> reqs = domainRequirements == null ? Collections.emptyList() : domainRequirements;
        CredentialsMatcher m = matcher == null ? CredentialsMatchers.always() : matcher;
        ListBoxModel result = new ListBoxModel(fromProviders(group, type, provider -> provider.getCredentialIdsInItemGroup(type, group, auth, reqs, m),
                option -> option.value));
        sortByName(result);
        return result;
    }

    public static <C extends IdCredentials> ListBoxModel listCredentialsInItem(Class<C> type, Item item,
            Authentication authentication, List<DomainRequirement> domainRequirements, CredentialsMatcher matcher) {
        // real listCredentialsInItem: the item group listing for null (Jenkins) or an item group; else (no
        // @ResolveWith type in the mirror) each enabled applicable provider's getCredentialIdsInItem options, first
        // of each value, sorted by name (ListBoxModelOptionComparator)
        Objects.requireNonNull(type);
        if (item == null) {
            return listCredentialsInItemGroup(type, Jenkins.get(), authentication, domainRequirements, matcher);
        }
        if (item instanceof ItemGroup) {
            return listCredentialsInItemGroup(type, (ItemGroup) item, authentication, domainRequirements, matcher);
        }
        Authentication auth = authentication == null ? ACL.SYSTEM2 : authentication;
        List<DomainRequirement> reqs = domainRequirements == null ? Collections.emptyList() : domainRequirements;
        CredentialsMatcher m = matcher == null ? CredentialsMatchers.always() : matcher;
        ListBoxModel result = new ListBoxModel(fromProviders(item, type, provider -> provider.getCredentialIdsInItem(type, item, auth, reqs, m),
                option -> option.value));
        sortByName(result);
        return result;
    }

    /**
     * The walk every static lookup above makes, as the real ones do: each provider enabled in the context and
     * applicable to the type, in extension order; a provider whose classes are missing is skipped; of elements with
     * the same key the first provider's wins (elements without a key are all kept).
     */
    private static <E> List<E> fromProviders(Object context, Class<? extends Credentials> type,
            Function<CredentialsProvider, ? extends Iterable<E>> ask, Function<E, String> key) {
        List<E> result = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (CredentialsProvider provider : all()) {
            if (provider.isEnabled(context) && provider.isApplicable(type)) {
                try {
                    for (E e : ask.apply(provider)) {
                        String k = key.apply(e);
                        if (k == null || keys.add(k)) {
                            result.add(e);
                        }
                    }
                } catch (NoClassDefFoundError e) {
                    LOGGER.log(Level.FINE, "Could not retrieve provider credentials from " + provider, e);
                }
            }
        }
        return result;
    }

    private static void sortByName(ListBoxModel options) {
        // real ListBoxModelOptionComparator: collator order of the lower-cased names in the current request's locale,
        // the default locale outside a request (the mirror has no Stapler request)
        Locale locale = Locale.getDefault();
        Collator collator = Collator.getInstance(locale);
        options.sort((a, b) -> collator.compare(a.name.toLowerCase(locale), b.name.toLowerCase(locale)));
    }

    static Authentication getDefaultAuthenticationOf2(Item item) {
        // real getDefaultAuthenticationOf2: a task's authentication (Tasks), else SYSTEM2
        return item instanceof Queue.Task t ? Tasks.getAuthenticationOf2(t) : ACL.SYSTEM2;
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run) {
        // real findCredentialById(String, Class, Run): no domain requirements
        return findCredentialById(id, type, run, List.of());
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            DomainRequirement... domainRequirements) {
        // real findCredentialById(..., DomainRequirement...): the List overload
        return findCredentialById(id, type, run, Arrays.asList(domainRequirements));
    }

    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            List<DomainRequirement> domainRequirements) {
        // real findCredentialById: the id is trimmed; "${name}" or the plain id names a credentials parameter of the
        // run (a mirror run has none: no ParametersAction, so the binder binds nothing and the trimmed id, "${...}"
        // included, is used as it is); then the credentials of that id visible in the run's job to the job's default
        // authentication (plus SYSTEM2's when that authentication has USE_ITEM), contextualised by forRun, or null
        Objects.requireNonNull(id);
        Objects.requireNonNull(type);
        Objects.requireNonNull(run);
        String trimmed = id.trim();
        CredentialsParameterBinder.getOrCreate(run);
        Authentication runAuth = getDefaultAuthenticationOf2(run.getParent());
        List<C> candidates = new ArrayList<>(lookupCredentialsInItem(type, run.getParent(), runAuth, domainRequirements));
        if (runAuth != ACL.SYSTEM2 && run.hasPermission2(runAuth, USE_ITEM)) {
            candidates.addAll(lookupCredentialsInItem(type, run.getParent(), ACL.SYSTEM2, domainRequirements));
        }
        C found = CredentialsMatchers.firstOrNull(candidates, CredentialsMatchers.withId(trimmed));
        if (found != null) {
            Credentials contextualized = found.forRun(run);
            if (type.isInstance(contextualized)) {
                return type.cast(contextualized);
            }
            LOGGER.warning(() -> "Ignoring " + contextualized.getClass().getName() + " return value of "
                    + found.getClass().getName() + ".forRun since it is not assignable to " + type.getName());
        }
        return found;
    }

    public static <C extends Credentials> C track(Run build, C credentials) {
        // real track(Run, C): trackAll of the credentials unless null; returns them
        if (credentials != null) {
            trackAll(build, Collections.singletonList(credentials));
        }
        return credentials;
    }

    @SafeVarargs
    public static <C extends Credentials> List<C> trackAll(Run build, C... credentials) {
        // real trackAll(Run, C...): the List overload, empty for a null array
        if (credentials != null) {
            return trackAll(build, Arrays.asList(credentials));
        }
        return Collections.emptyList();
    }

    public static <C extends Credentials> List<C> trackAll(Run build, List<C> credentials) {
        // real trackAll(Run, List): when fingerprints are enabled, adds the build to each non-null credentials'
        // fingerprint (not reproducible: UnsupportedOperationException); then CredentialsUseListener.fireUse for each
        if (FINGERPRINT_ENABLED && credentials.stream().anyMatch(Objects::nonNull)) {
            throw new UnsupportedOperationException("mirror: CredentialsProvider fingerprints (set the system property "
                    + FINGERPRINT_ENABLED_NAME + "=false before the class initialises)");
        }
        for (Credentials c : credentials) {
            CredentialsUseListener.fireUse(c, build);
        }
        return credentials;
    }
}
