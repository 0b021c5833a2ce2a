from django.urls import path

from . import apis

urlpatterns = [
    path("conversations/", apis.ConversationList.as_view(), name="conversation-list"),
    path("conversations/<int:pk>/", apis.ConversationDetail.as_view(), name="conversation-detail"),
    path("conversations/<int:pk>/messages/", apis.ConversationMessages.as_view(), name="conversation-messages"),
    path("conversations/<int:pk>/templates/", apis.ConversationTemplates.as_view(), name="conversation-templates"),
    path("conversations/<int:pk>/take-over/", apis.ConversationTakeOver.as_view(), name="conversation-take-over"),
    path("conversations/<int:pk>/hand-back/", apis.ConversationHandBack.as_view(), name="conversation-hand-back"),
    path("conversations/<int:pk>/close/", apis.ConversationClose.as_view(), name="conversation-close"),
    path("conversations/<int:pk>/shipments/<tracking:tracking_number>/verification/",
         apis.ConversationVerificationStart.as_view(), name="conversation-verification"),
]
