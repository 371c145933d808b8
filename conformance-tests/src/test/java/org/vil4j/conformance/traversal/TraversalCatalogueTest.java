package org.vil4j.conformance.traversal;

import org.junit.jupiter.api.Test;
import org.vil4j.api.PluginNotFoundException;
import org.vil4j.api.Plugins;
import org.vil4j.conformance.kit.SharedBackends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped traversals as a whole: enough of them, names unique, parameterised names strict. */
class TraversalCatalogueTest {
    private final Plugins plugins = SharedBackends.plugins();

    @Test
    void atLeastTwelveTraversalsAreRegistered() {
        assertThat(plugins.traversals()).hasSizeGreaterThanOrEqualTo(12);
        assertThat(plugins.traversals().keySet()).contains("rowwise_from_top_left", "rowwise_from_bot_right",
                "columnwise_from_top_left", "columnwise_from_bot_right", "snake_rows", "snake_rows_reversed",
                "snake_columns", "snake_columns_reversed", "diagonal_zigzag", "spiral_outside_in", "zorder", "hilbert",
                "local_window_k2", "random_seed0");
        plugins.traversals().forEach((name, t) -> assertThat(t.name()).isEqualTo(name));
    }

    @Test
    void parameterisedNamesMustBeCanonical() {
        for (String bad : new String[]{"local_window_k0", "local_window_k03", "local_window_k", "local_window_k-1",
                "random_seed", "random_seed007", "random_seed-3", "random_seedx", "hilbert2"}) {
            assertThatThrownBy(() -> plugins.traversal(bad)).as(bad).isInstanceOf(PluginNotFoundException.class)
                    .hasMessageContaining("snake_rows");
        }
        assertThat(plugins.traversal("random_seed123456789").name()).isEqualTo("random_seed123456789");
    }
}
