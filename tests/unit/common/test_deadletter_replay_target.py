from services.common import deadletters


def test_a_letter_from_an_earlier_queue_name_is_replayed_to_todays_queue():
    exchange, queue = deadletters._replay_target({
        "x-platform-handler": "gateway.record_event",
        "x-platform-queue": "evt-all--gateway.record_event"})
    assert (exchange.name, queue) == ("gateway.requeue", "gateway.record_event")


def test_a_subscription_this_process_does_not_list_goes_back_by_its_queue_name():
    exchange, queue = deadletters._replay_target({
        "x-platform-handler": "fault_consumer.on_entry", "x-platform-queue": "fault_consumer.on_entry"})
    assert (exchange.name, queue) == ("fault_consumer.requeue", "fault_consumer.on_entry")


def test_a_letter_naming_another_services_queue_is_not_replayed():
    # the requeue exchange is the handler's service's: a queue of another is never reached by it
    assert deadletters._replay_target({"x-platform-handler": "budgets.on_nothing",
                                       "x-platform-queue": "personnel.on_organisation_changed"}) is None
    assert deadletters._replay_target({}) is None
