import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connections

from .wsclient import communicator, receive_until, session_cookie_for

TRANSACTIONAL = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@TRANSACTIONAL
def test_two_members_chat(group_x, member_a, staff_x):
    async_to_sync(_chat)(group_x, member_a, staff_x)


async def _chat(group_x, member_a, staff_x):
    a_key = await sync_to_async(session_cookie_for)(member_a)
    s_key = await sync_to_async(session_cookie_for)(staff_x)
    a = communicator(f"/ws/workspaces/{group_x.pk}/", a_key)
    s = communicator(f"/ws/workspaces/{group_x.pk}/", s_key)
    try:
        assert (await a.connect())[0]
        assert (await s.connect())[0]
        await receive_until(a, "history.page")
        await receive_until(s, "history.page")
        await a.send_json_to({"type": "message.create", "body": "こんにちは", "client_id": "c1"})
        event = await receive_until(s, "message.created")
        assert event["body"] == "こんにちは"
        assert event["seq"] == 1
    finally:
        await a.disconnect()
        await s.disconnect()
        await sync_to_async(connections.close_all)()
