// The Java producer and consumer of scripts/demo's migration rehearsal.
// Every record the producer writes carries a unique sequence number, and the
// consumer prints every record it reads, so the demo can count records lost
// and read twice across cutovers and rollbacks. Both stop cleanly when a stop
// file appears: the producer flushes (every sequence number it printed was
// acknowledged with acks=all), the consumer commits only what it printed.
//
//   produce BOOTSTRAP TOPIC FIRST RATE STOPFILE   prints acknowledged "seq-N"
//   consume BOOTSTRAP TOPIC GROUP STOPFILE        prints each record's value
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class DemoClient {
  public static void main(String[] args) throws Exception {
    if (args.length == 6 && args[0].equals("produce")) {
      produce(args[1], args[2], Long.parseLong(args[3]), Integer.parseInt(args[4]),
          Path.of(args[5]));
    } else if (args.length == 5 && args[0].equals("consume")) {
      consume(args[1], args[2], args[3], Path.of(args[4]));
    } else {
      System.err.println("usage: produce BOOTSTRAP TOPIC FIRST RATE STOPFILE"
          + " | consume BOOTSTRAP TOPIC GROUP STOPFILE");
      System.exit(2);
    }
  }

  static void produce(String bootstrap, String topic, long first, int rate, Path stop)
      throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    AtomicLong failed = new AtomicLong();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      long next = first;
      final long start = System.nanoTime();
      while (!Files.exists(stop)) {
        // Paced: `rate` records per second since the start.
        long due = (System.nanoTime() - start) * rate / 1_000_000_000L + first;
        for (; next <= due; ++next) {
          final String value = "seq-" + next;
          producer.send(new ProducerRecord<>(topic, "key-" + (next % 1000), value), (md, e) -> {
            if (e == null) {
              System.out.println(value);
            } else {
              failed.incrementAndGet();
              System.err.println("not acknowledged: " + value + ": " + e);
            }
          });
        }
        Thread.sleep(10);
      }
      producer.flush();
    }
    System.out.flush();
    System.exit(failed.get() == 0 ? 0 : 1);
  }

  static void consume(String bootstrap, String topic, String group, Path stop) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.subscribe(List.of(topic));
      while (!Files.exists(stop)) {
        var records = consumer.poll(Duration.ofMillis(200));
        for (ConsumerRecord<String, String> r : records) System.out.println(r.value());
        System.out.flush();
        // Only what was printed is committed.
        if (!records.isEmpty()) consumer.commitSync();
      }
    }
  }
}
