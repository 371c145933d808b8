package com.example.vil4j.traversal;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Registered both ways: module-info {@code provides} (module path) and META-INF/services (class path). */
class CheckerboardModuleTest {
    private static final String SPI = "org.vil4j.api.TraversalStrategy";

    @Test
    void moduleDescriptorProvidesTheTraversal() {
        Path classes = Path.of(Checkerboard.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        ModuleDescriptor descriptor = ModuleFinder.of(classes).findAll().iterator().next().descriptor();
        assertThat(descriptor.name()).isEqualTo("com.example.vil4j.traversal");
        assertThat(descriptor.requires()).extracting(ModuleDescriptor.Requires::name).contains("org.vil4j.api");
        assertThat(descriptor.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(SPI);
            assertThat(p.providers()).containsExactly(Checkerboard.class.getName());
        });
    }

    @Test
    void serviceFileNamesTheTraversal() throws Exception {
        Path classes = Path.of(Checkerboard.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        assertThat(Files.readAllLines(classes.resolve("META-INF/services/" + SPI)))
                .containsExactly(Checkerboard.class.getName());
    }
}
