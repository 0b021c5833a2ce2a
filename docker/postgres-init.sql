-- Rasa's SQL tracker store lives in its own database beside the helpdesk's.
CREATE DATABASE rasa OWNER parceldesk;
