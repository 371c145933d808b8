package org.vil4j.vil;

import org.junit.jupiter.api.Test;
import org.vil4j.api.Vil4jException;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraversalScheduleTest {
    private static final VilConfig V2 = VilPresets.get("vil2-tiny");
    private static final VilConfig V1_ODD = VilPresets.get("vil-tinyplus");

    @Test
    void referenceModelsUseTheAlternateSchedule() {
        assertThat(V2.schedule()).isEqualTo(TraversalSchedule.ALTERNATE);
        assertThat(V1_ODD.subBlockCount()).isOdd();
        assertThat(V1_ODD.schedule()).isEqualTo(TraversalSchedule.ALTERNATE);
        assertThat(V2.withSchedule("alternate")).isEqualTo(V2);
        assertThat(TraversalSchedule.parse("alternate").forSubBlocks(V2.subBlockCount())).isEqualTo(V2.traversals());
    }

    @Test
    void fourWayCyclesRowsAndColumnsBothWays() {
        VilConfig c = V2.withSchedule("four_way");
        assertThat(c.traversals().subList(0, 6)).containsExactly("rowwise_from_top_left", "rowwise_from_bot_right",
                "columnwise_from_top_left", "columnwise_from_bot_right", "rowwise_from_top_left",
                "rowwise_from_bot_right");
        assertThat(c.schedule()).isEqualTo("four_way");
        assertThat(c.pluginNames().get("traversal")).containsExactly("rowwise_from_top_left",
                "rowwise_from_bot_right", "columnwise_from_top_left", "columnwise_from_bot_right");
    }

    @Test
    void anExplicitListRoundTripsThroughTheRecordedSpec() {
        for (String spec : List.of("snake_rows,hilbert,local_window_k3", "spiral_outside_in", "zorder,random_seed7",
                "four_way", "alternate", "hilbert,hilbert,zorder")) {
            for (VilConfig base : List.of(V2, V1_ODD)) {
                VilConfig c = base.withSchedule(spec);
                String recorded = c.schedule();
                VilConfig reloaded = base.withSchedule(recorded);
                assertThat(reloaded).as(spec).isEqualTo(c);
                assertThat(reloaded.traversals()).hasSize(base.subBlockCount());
            }
        }
        VilConfig c = V2.withSchedule(" snake_rows , hilbert,local_window_k3");
        assertThat(c.schedule()).isEqualTo("snake_rows,hilbert,local_window_k3");
        assertThat(c.pluginNames().get("traversal")).containsExactly("snake_rows", "hilbert", "local_window_k3");
    }

    @Test
    void theShortestCycleIsRecorded() {
        assertThat(TraversalSchedule.of(List.of("a", "b", "a", "b", "a")).cycle()).containsExactly("a", "b");
        assertThat(TraversalSchedule.of(List.of("a", "a", "b")).cycle()).containsExactly("a", "a", "b");
        assertThat(TraversalSchedule.parse("a,b,a,b")).isNotEqualTo(TraversalSchedule.parse("a,b"));
    }

    @Test
    void emptyEntriesAreRejected() {
        assertThatThrownBy(() -> TraversalSchedule.parse("snake_rows,,hilbert")).isInstanceOf(Vil4jException.class)
                .hasMessageContaining("empty entry");
        assertThatThrownBy(() -> TraversalSchedule.parse("")).isInstanceOf(Vil4jException.class);
    }
}
